import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './_run.js';
import { sha256Hex } from '../../reference/src/bytes/index.js';
import { certificateToPem } from '../../reference/src/certs/index.js';
import { publicKeyToPem } from '../../reference/src/keys/index.js';
import { issueCertificate } from '../../reference/test/certs/_ca.js';
import { nextTestKeyPair } from '../../reference/test/_support/test-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-cli-pins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]) => runCli(argv, dir);
let bobFingerprint = '';
let serverFingerprint = '';
let otherFingerprint = '';

beforeAll(async () => {
  const [server, bob, other] = [nextTestKeyPair(), nextTestKeyPair(), nextTestKeyPair()];
  bobFingerprint = sha256Hex(bob.spki);
  serverFingerprint = sha256Hex(server.spki);
  otherFingerprint = sha256Hex(other.spki);
  const cert = await issueCertificate({
    caPkcs8: server.pkcs8,
    subjectSpki: bob.spki,
    cns: ['bob'],
  });
  writeFileSync(join(dir, 'bob.pem'), certificateToPem(cert));
  writeFileSync(join(dir, 'server.pem'), publicKeyToPem(server.spki));
  const pinned = await run([
    'cert',
    'verify',
    '--cert',
    'bob.pem',
    '--server-key',
    'server.pem',
    '--user',
    'bob',
    '--pins',
    'pins.json',
  ]);
  expect(pinned.code).toBe(0);
});

describe('sealfold pins list / pins verify', () => {
  it('E2EE-CERT-812: lists every pin with its key fingerprint, unverified after first sight', async () => {
    const r = await run(['pins', 'list', '--pins', 'pins.json']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `server:default  ${serverFingerprint}  unverified\nuser:bob  ${bobFingerprint}  unverified\n`,
    );
    const j = JSON.parse((await run(['pins', 'list', '--pins', 'pins.json', '--json'])).out);
    expect(
      j.pins.map((p: { identity: string; verified: boolean }) => [p.identity, p.verified]),
    ).toEqual([
      ['server:default', false],
      ['user:bob', false],
    ]);
  });

  it('E2EE-CERT-814: E2EE-CERT-812: a wrong fingerprint is KEY_CHANGED (exit 1) and changes nothing; the right one marks the pin verified in the file', async () => {
    copyFileSync(join(dir, 'pins.json'), join(dir, 'pins-2.json'));
    const before = readFileSync(join(dir, 'pins-2.json'), 'utf8');
    const wrong = await run([
      'pins',
      'verify',
      '--pins',
      'pins-2.json',
      '--user',
      'bob',
      '--fingerprint',
      otherFingerprint,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^sealfold: KEY_CHANGED: /);
    expect(readFileSync(join(dir, 'pins-2.json'), 'utf8')).toBe(before);
    const ok = await run([
      'pins',
      'verify',
      '--pins',
      'pins-2.json',
      '--user',
      'bob',
      '--fingerprint',
      bobFingerprint.toUpperCase(),
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({
      ok: true,
      identity: 'user:bob',
      spkiSha256: bobFingerprint,
      verified: true,
    });
    const listed = await run(['pins', 'list', '--pins', 'pins-2.json']);
    expect(listed.out).toMatch(new RegExp(`^user:bob  ${bobFingerprint}  verified 20\\d\\d-`, 'm'));
  });

  it('E2EE-CERT-814: no pin for the user is NOT_FOUND; a malformed fingerprint is INPUT_MALFORMED; a missing pin file is NOT_FOUND (exit 1), never a new file', async () => {
    const verify = (file: string, user: string, fp: string) =>
      run(['pins', 'verify', '--pins', file, '--user', user, '--fingerprint', fp]);
    expect((await verify('pins.json', 'carol', bobFingerprint)).err).toMatch(/NOT_FOUND/);
    expect((await verify('pins.json', 'bob', 'abc')).err).toMatch(/INPUT_MALFORMED/);
    const missing = await run(['pins', 'list', '--pins', 'nope.json']);
    expect([missing.code, missing.err]).toEqual([
      1,
      'sealfold: NOT_FOUND: --pins nope.json: ENOENT\n',
    ]);
    expect((await verify('nope.json', 'bob', bobFingerprint)).code).toBe(1);
    expect(existsSync(join(dir, 'nope.json'))).toBe(false);
  });
});
