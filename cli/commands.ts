/**
 * The command table. Each entry loads its module lazily. Keep it sorted by name.
 *
 * @module
 */
import type { Command } from './command.js';

type Loader = () => Promise<{ command: Command }>;

export const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: Loader }> = [
  {
    name: 'cert verify',
    summary: 'validate a user certificate against the server key (and check pins)',
    load: () => import('./commands/cert-verify.js'),
  },
  {
    name: 'certify client',
    summary: 'certify an E2EE client through its driver (JSON-RPC over stdin/stdout)',
    load: () => import('./commands/certify-client.js'),
  },
  {
    name: 'certify compare',
    summary: 'show what regressed between two conformance reports (report.json)',
    load: () => import('./commands/certify-compare.js'),
  },
  {
    name: 'certify replay',
    summary: 're-run exactly one recorded test case of a report.json',
    load: () => import('./commands/certify-replay.js'),
  },
  {
    name: 'certify server',
    summary: 'certify a Nextcloud-compatible E2EE server (the embedded mock without a target)',
    load: () => import('./commands/certify-server.js'),
  },
  {
    name: 'driver reference',
    summary: 'run the reference client as a certification driver (JSON-RPC on stdin/stdout)',
    load: () => import('./commands/driver-reference.js'),
  },
  {
    name: 'file decrypt',
    summary: 'decrypt a file body (ciphertext‖tag) to OUT, written only if the tag verifies',
    load: () => import('./commands/file-decrypt.js'),
  },
  {
    name: 'key new',
    summary: 'make a user key pair, mnemonic, CSR and encrypted private-key blob (first device)',
    load: () => import('./commands/key-new.js'),
  },
  {
    name: 'key open',
    summary: 'decrypt a private-key blob with the mnemonic (and check it against the certificate)',
    load: () => import('./commands/key-open.js'),
  },
  {
    name: 'log monitor',
    summary: "follow a server's transparency log and report every key change per user",
    load: () => import('./commands/log-monitor.js'),
  },
  {
    name: 'log witness',
    summary: 'run a transparency-log witness that cosigns only consistent checkpoints',
    load: () => import('./commands/log-witness.js'),
  },
  {
    name: 'metadata open',
    summary: "verify and decrypt a folder's metadata document and print its inner document",
    load: () => import('./commands/metadata-open.js'),
  },
  {
    name: 'pins list',
    summary: 'list the pins of a pin file: identity, key fingerprint, verified or not',
    load: () => import('./commands/pins-list.js'),
  },
  {
    name: 'pins verify',
    summary: "mark a user's pin verified after comparing its key fingerprint out of band",
    load: () => import('./commands/pins-verify.js'),
  },
  {
    name: 'recovery-key new',
    summary: 'offline: make the administrator recovery key, its shares and the signed policy',
    load: () => import('./commands/recovery-key-new.js'),
  },
  {
    name: 'recovery-key open',
    summary: "offline: open the recovery key (passphrase or M shares) and recover a folder's files",
    load: () => import('./commands/recovery-key-open.js'),
  },
  {
    name: 'serve',
    summary: 'run the mock Nextcloud E2EE server (test use only)',
    load: () => import('./commands/serve.js'),
  },
  {
    name: 'spec check',
    summary: 'extract the requirement registry and check IDs, citations and coverage',
    load: () => import('./commands/spec-check.js'),
  },
  {
    name: 'vectors generate',
    summary: 'regenerate the test vectors deterministically from a seed (or --check them)',
    load: () => import('./commands/vectors-generate.js'),
  },
  {
    name: 'vectors lint',
    summary:
      'check every vector file against its schema and the envelope rules (stable ids, codes)',
    load: () => import('./commands/vectors-lint.js'),
  },
  {
    name: 'vectors verify',
    summary: 'run every test vector against the reference and print per-family counts',
    load: () => import('./commands/vectors-verify.js'),
  },
  {
    name: 'vectors freeze',
    summary: 'turn a recorded run (a failing client-certification case) into a scenario vector',
    load: () => import('./commands/vectors-freeze.js'),
  },
];
