/**
 * `sealfold driver reference`: the reference client as a driver process
 * (spec/18-driver-protocol.md), newline-delimited JSON-RPC 2.0 on stdin/stdout, method names and
 * timings on stderr. Vendors certify it to see a CERTIFIABLE run and copy it as an example:
 * `sealfold certify client --driver "sealfold driver reference"`.
 *
 * It takes no options: the server, the account and the work folder arrive in
 * `session.configure` on stdin, so no secret is ever on a command line (E2EE-DRV-014).
 *
 * @module
 */
import type { Command } from '../command.js';
import { createReferenceDriver } from '../../conformance/drivers/reference/driver.js';
import { serveStdio } from '../../conformance/drivers/reference/rpc.js';

export const command: Command = {
  name: ['driver', 'reference'],
  summary: 'run the reference client as a certification driver (JSON-RPC on stdin/stdout)',
  usage: '',
  help: `Speaks the driver protocol of spec/18-driver-protocol.md on stdin/stdout: one JSON-RPC 2.0
message per line. stdout carries only protocol messages; stderr carries method names and timings.
The server, account and work folder are given by session.configure, never on the command line.

Example: sealfold certify client --driver "sealfold driver reference"
`,
  options: {},
  async run(_args, io) {
    await serveStdio(createReferenceDriver(), {
      input: process.stdin,
      output: process.stdout,
      log: (line) => io.stderr(`sealfold-reference-driver: ${line}\n`),
    });
    return 0;
  },
};
