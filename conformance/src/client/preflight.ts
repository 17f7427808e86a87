/**
 * Driver pre-flight (E2EE-DRV-050): before any test, one vendor driver process must say hello
 * with a valid answer in the protocol version the harness speaks, answer an unknown method with
 * -32601, accept `session.configure` twice with the same values, and report a fresh device as not
 * enrolled. Anything else is a configuration error (exit code 3), not a test result.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../runner/config-error.js';
import type { MockServer } from './check.js';
import type { CallOutcome, DriverConnection } from './driver/connection.js';
import { DRIVER_API, RPC, type HelloResult, type StatusResult } from './protocol.js';

function expectResult(out: CallOutcome, what: string): unknown {
  if (out.kind === 'result') return out.result;
  const why =
    out.kind === 'error'
      ? `error ${out.error.code}: ${out.error.message}`
      : out.kind === 'timeout'
        ? `no answer within ${out.afterMs} ms`
        : out.problem;
  throw new ConfigError(`driver pre-flight: ${what} failed: ${why}`);
}

export async function preflightDriver(opts: {
  spawn: () => DriverConnection;
  server: MockServer;
  workDir: string;
  timeoutMs: number;
}): Promise<HelloResult> {
  const d = opts.spawn();
  try {
    const hello = expectResult(
      await d.call('driver.hello', { driverApi: DRIVER_API }, opts.timeoutMs),
      'driver.hello',
    ) as HelloResult;
    // E2EE-DRV-050 (MUST, suite): an unknown method is answered "method not found".
    const unknown = await d.call('sealfold.noSuchMethod', {}, opts.timeoutMs);
    if (unknown.kind !== 'error' || unknown.error.code !== RPC.methodNotFound) {
      throw new ConfigError(
        `driver pre-flight: an unknown method must be answered with error ${RPC.methodNotFound}`,
      );
    }
    const uid = `preflight-${randomBytes(4).toString('hex')}`;
    const password = `sf-pre-${randomBytes(12).toString('base64url')}`;
    await opts.server.manage('POST', '/users', { uid, password });
    const configure = {
      server: { baseUrl: opts.server.baseUrl },
      account: { userId: uid, password },
      workDir: opts.workDir,
    };
    // E2EE-DRV-012 (MUST, suite): session.configure is idempotent.
    expectResult(await d.call('session.configure', configure, opts.timeoutMs), 'session.configure');
    expectResult(
      await d.call('session.configure', configure, opts.timeoutMs),
      'a second session.configure',
    );
    const status = expectResult(
      await d.call('identity.status', {}, opts.timeoutMs),
      'identity.status',
    ) as StatusResult;
    if (status.enrolled)
      throw new ConfigError('driver pre-flight: a fresh device reports enrolled');
    return hello;
  } finally {
    await d.close();
  }
}
