/**
 * The software CA key (E2EE-CERT-800, E2EE-CERT-801, E2EE-CERT-802, E2EE-CERT-062): created once, persisted privately, reused,
 * refused when unusable; never exposed.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { verify } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSoftwareCa, SOFTWARE_KEY_FILE } from '../../src/ca/software.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { nextTestKeyOfSize } from '../../../reference/test/_support/test-keys.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sealfold-ca-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('software CA', () => {
  it('E2EE-CERT-800: E2EE-CERT-801: RSA-2048 created on first start, stored 0600, reused after a restart', async () => {
    const d = tmp();
    const a = await openSoftwareCa({ dataDir: d });
    const path = join(d, 'ca', SOFTWARE_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(d, 'ca')).mode & 0o777).toBe(0o700);
    const spki = await a.publicKeySpki();
    await a.close();
    const b = await openSoftwareCa({ dataDir: d });
    expect(await b.publicKeySpki()).toEqual(spki);
    const sig = await b.signSha256Rsa(new Uint8Array([1, 2, 3]));
    expect(
      verify(
        'sha256',
        new Uint8Array([1, 2, 3]),
        { key: Buffer.from(spki), format: 'der', type: 'spki' },
        sig,
      ),
    ).toBe(true);
    // Two in-memory CAs have different keys.
    const m1 = await openSoftwareCa({ dataDir: null });
    const m2 = await openSoftwareCa({ dataDir: null });
    expect(await m1.publicKeySpki()).not.toEqual(await m2.publicKeySpki());
  });

  it('E2EE-CERT-802: an unreadable or non-conforming key file stops the start instead of being replaced', async () => {
    const d = tmp();
    await openSoftwareCa({ dataDir: d });
    const path = join(d, 'ca', SOFTWARE_KEY_FILE);
    writeFileSync(path, 'garbage');
    const e = await openSoftwareCa({ dataDir: d }).catch((x: unknown) => x);
    expect(isSealfoldError(e, 'KEY_MALFORMED')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('garbage');
    const small = nextTestKeyOfSize(1024).export({
      type: 'pkcs8',
      format: 'pem',
    });
    writeFileSync(path, small);
    chmodSync(path, 0o600);
    const e2 = await openSoftwareCa({ dataDir: d }).catch((x: unknown) => x);
    expect(isSealfoldError(e2, 'KEY_UNSUPPORTED')).toBe(true);
  });

  it('E2EE-CERT-062: the signer exposes only SPKI and signatures, and refuses to sign after close', async () => {
    const ca = await openSoftwareCa({ dataDir: null });
    expect(Object.keys(ca).sort()).toEqual(['close', 'kind', 'publicKeySpki', 'signSha256Rsa']);
    expect(JSON.stringify(ca)).not.toMatch(/PRIVATE/);
    await ca.close();
    const e = await ca.signSha256Rsa(new Uint8Array(1)).catch((x: unknown) => x);
    expect(isSealfoldError(e, 'SERVER_ERROR')).toBe(true);
  });
});
