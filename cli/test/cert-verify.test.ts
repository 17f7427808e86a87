import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './_run.js';
import { sha256Hex } from '../../reference/src/bytes/index.js';
import { certificateToPem } from '../../reference/src/certs/index.js';
import { publicKeyToPem } from '../../reference/src/keys/index.js';
import { issueCertificate } from '../../reference/test/certs/_ca.js';
import { nextTestKeyPair } from '../../reference/test/_support/test-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-cli-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]) => runCli(argv, dir);

let fingerprint = '';
beforeAll(async () => {
  const [server, other, bob, bob2] = [
    nextTestKeyPair(),
    nextTestKeyPair(),
    nextTestKeyPair(),
    nextTestKeyPair(),
  ];
  const cert = await issueCertificate({
    caPkcs8: server.pkcs8,
    subjectSpki: bob.spki,
    cns: ['bob'],
    hash: 'SHA-1',
  });
  fingerprint = sha256Hex(cert);
  writeFileSync(join(dir, 'bob.pem'), certificateToPem(cert));
  writeFileSync(join(dir, 'bob.der'), cert);
  writeFileSync(
    join(dir, 'bob2.pem'),
    certificateToPem(
      await issueCertificate({ caPkcs8: server.pkcs8, subjectSpki: bob2.spki, cns: ['bob'] }),
    ),
  );
  writeFileSync(join(dir, 'server.pem'), publicKeyToPem(server.spki));
  writeFileSync(join(dir, 'other.pem'), publicKeyToPem(other.spki));
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
});

const base = ['cert', 'verify', '--cert', 'bob.pem', '--server-key', 'server.pem'];

describe('sealfold cert verify', () => {
  it('E2EE-CERT-012: exit 0 and prints subject, fingerprint and algorithm for a valid certificate (PEM or DER)', async () => {
    const r = await run([...base, '--user', 'bob']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'subject: C=DE, ST=Baden-Wuerttemberg, L=Stuttgart, O=Nextcloud, CN=bob',
    );
    expect(r.out).toContain(`fingerprint: ${fingerprint}`);
    expect(r.out).toContain('algorithm: sha1WithRSAEncryption');
    const d = await run([
      'cert',
      'verify',
      '--cert',
      'bob.der',
      '--server-key',
      'server.pem',
      '--user',
      'bob',
      '--json',
    ]);
    expect(d.code).toBe(0);
    const j = JSON.parse(d.out);
    expect(j).toMatchObject({
      ok: true,
      subjectCn: 'bob',
      fingerprint,
      serialHex: '0',
      isCa: true,
    });
  });

  it('E2EE-CERT-012: E2EE-CERT-014: exit 1 with one line naming the code on rejection', async () => {
    const wrongUser = await run([...base, '--user', 'alice']);
    expect(wrongUser.code).toBe(1);
    expect(wrongUser.err).toMatch(/^sealfold: CERT_USER_MISMATCH: [^\n]*\n$/);
    const wrongKey = await run([
      'cert',
      'verify',
      '--cert',
      'bob.pem',
      '--server-key',
      'other.pem',
      '--user',
      'bob',
    ]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/^sealfold: CERT_UNTRUSTED: [^\n]*\n$/);
    const garbage = await run([
      'cert',
      'verify',
      '--cert',
      'garbage.pem',
      '--server-key',
      'server.pem',
      '--user',
      'bob',
      '--json',
    ]);
    expect(garbage.code).toBe(1);
    expect(JSON.parse(garbage.out).error.code).toBe('CERT_MALFORMED');
  });

  it('E2EE-CERT-803: with --pins, first sight pins and a new key for the same user is KEY_CHANGED', async () => {
    const pins = ['--pins', 'pins.json', '--server-id', 'cloud'];
    const first = await run([...base, '--user', 'bob', ...pins]);
    expect(first.code).toBe(0);
    expect(first.out).toContain('pin: pinned');
    const second = await run([...base, '--user', 'bob', ...pins, '--json']);
    expect(JSON.parse(second.out)).toMatchObject({ pin: 'match', serverPin: 'match' });
    const before = readFileSync(join(dir, 'pins.json'), 'utf8');
    const changed = await run([
      'cert',
      'verify',
      '--cert',
      'bob2.pem',
      '--server-key',
      'server.pem',
      '--user',
      'bob',
      ...pins,
    ]);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(/^sealfold: KEY_CHANGED: /);
    expect(readFileSync(join(dir, 'pins.json'), 'utf8')).toBe(before);
  });

  it('exit 2 for usage errors (missing option, --server-id without --pins); a missing file is exit 1 NOT_FOUND', async () => {
    expect((await run(['cert', 'verify', '--cert', 'bob.pem', '--user', 'bob'])).code).toBe(2);
    expect(
      (
        await run([
          'cert',
          'verify',
          '--cert',
          'missing.pem',
          '--server-key',
          'server.pem',
          '--user',
          'bob',
        ])
      ).err,
    ).toBe('sealfold: NOT_FOUND: --cert missing.pem: ENOENT\n');
    expect((await run([...base, '--user', 'bob', '--server-id', 'x'])).code).toBe(2);
    expect((await run([...base, '--user', 'bob', '--bogus'])).code).toBe(2);
  });
});
