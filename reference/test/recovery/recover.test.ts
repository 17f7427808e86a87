import { describe, expect, it } from 'vitest';
import {
  certificateFingerprint,
  MemoryPinStore,
  parseCertificate,
  parseCsr,
  pinCertificate,
} from '../../src/certs/index.js';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  KEY_BLOB_WRITE_PATTERN,
  WRITE_KDF,
} from '../../src/keyblob/index.js';
import { keysMatch } from '../../src/keys/index.js';
import { nextTestKeyPair } from '../_support/test-keys.js';
import { MNEMONIC_WORDLIST } from '../../src/mnemonic/index.js';
import { enrolUser, recoverPrivateKey } from '../../src/recovery/index.js';
import { equalBytes, sha256Hex } from '../../src/_internal/bytes.js';
import { codeAsync } from '../_support/codes.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';
import { issueCertificate } from '../certs/_ca.js';

const FAST = [{ prf: 'sha256', iterations: 2 }] as const;

describeFixtures('recoverPrivateKey (web fixture: alice, bob and their server key)', () => {
  const web = loadFixture('web-alice-bob.json');
  const [alice, bob] = web.data.users as any[];
  const serverPublicKey: string = web.data.serverPublicKeyPem;
  const exp = (u: any) => web.expect.users[u.userId].privateKey;
  const base = {
    blob: alice.encryptedPrivateKey as string,
    mnemonic: alice.mnemonic as string,
    certificate: alice.certificatePem as string,
    userId: 'alice',
    serverPublicKey,
  };

  it('E2EE-REC-030 E2EE-REC-031: recovers the key of a valid certificate and pins it only on success', async () => {
    const pins = new MemoryPinStore();
    const out = await recoverPrivateKey({ ...base, pins, serverId: 'cloud.example' });
    expect(sha256Hex(out.pkcs8)).toBe(exp(alice).pkcs8DerSha256);
    expect(out.pem).toBe(exp(alice).decryptedPem);
    expect(out.kdf).toEqual(WRITE_KDF);
    expect(out.certificate.subjectCn).toBe('alice');
    expect((await pins.get('user:alice'))?.spkiSha256).toBe(exp(alice).publicKeySpkiDerSha256);
    expect(await pins.get('server:cloud.example')).toBeDefined();
    // A second recovery on the same device matches the pin.
    const again = await recoverPrivateKey({ ...base, pins });
    expect(equalBytes(again.pkcs8, out.pkcs8)).toBe(true);
  });

  it("E2EE-REC-030: refuses a blob holding another user's key (KEY_MISMATCH), and writes no pin", async () => {
    const pins = new MemoryPinStore();
    // Bob's valid certificate with alice's genuine blob and mnemonic: the server swapped keys.
    expect(
      await codeAsync(() =>
        recoverPrivateKey({ ...base, certificate: bob.certificatePem, userId: 'bob', pins }),
      ),
    ).toBe('KEY_MISMATCH');
    expect(await pins.get('user:bob')).toBeUndefined();
    // Alice's certificate, but a blob (under alice's mnemonic) that holds bob's key.
    const bobKey = (await decryptPrivateKey(bob.encryptedPrivateKey, bob.mnemonic)).pkcs8;
    const swapped = await encryptPrivateKey(bobKey, alice.mnemonic, { kdf: FAST[0] });
    expect(
      await codeAsync(() => recoverPrivateKey({ ...base, blob: swapped, pins, kdfs: FAST })),
    ).toBe('KEY_MISMATCH');
    expect(await pins.get('user:alice')).toBeUndefined();
  });

  it('E2EE-REC-031: refuses a certificate not signed by the server key, or for another user', async () => {
    expect(
      await codeAsync(() =>
        recoverPrivateKey({ ...base, serverPublicKey: parseCertificate(bob.certificatePem).spki }),
      ),
    ).toBe('CERT_UNTRUSTED');
    expect(await codeAsync(() => recoverPrivateKey({ ...base, userId: 'bob' }))).toBe(
      'CERT_USER_MISMATCH',
    );
    // Offline (no server key): the CN is still checked.
    const offline = { ...base, serverPublicKey: undefined };
    expect(await codeAsync(() => recoverPrivateKey({ ...offline, userId: 'mallory' }))).toBe(
      'CERT_USER_MISMATCH',
    );
    expect(
      await codeAsync(() => recoverPrivateKey({ ...offline, certificate: 'not a certificate' })),
    ).toBe('PEM_MALFORMED');
  });

  it('E2EE-REC-031: a certificate whose key differs from the pinned one is KEY_CHANGED; pins unchanged', async () => {
    const pins = new MemoryPinStore();
    // The device pinned another key for alice before (here: bob's certificate key).
    await pinCertificate(pins, 'alice', parseCertificate(bob.certificatePem));
    const before = await pins.get('user:alice');
    expect(await codeAsync(() => recoverPrivateKey({ ...base, pins }))).toBe('KEY_CHANGED');
    expect(await pins.get('user:alice')).toEqual(before);
  });

  it('E2EE-REC-004 E2EE-REC-011 E2EE-REC-023: wrong mnemonic, corrupted blob and bad words fail in check order', async () => {
    expect(await codeAsync(() => recoverPrivateKey({ ...base, mnemonic: bob.mnemonic }))).toBe(
      'AEAD_TAG_MISMATCH',
    );
    expect(
      await codeAsync(() => recoverPrivateKey({ ...base, blob: base.blob.replace('|', '||') })),
    ).toBe('KEY_BLOB_MALFORMED');
    expect(await codeAsync(() => recoverPrivateKey({ ...base, mnemonic: 'alice bob' }))).toBe(
      'MNEMONIC_INVALID',
    );
    // Blob syntax comes before the certificate.
    expect(
      await codeAsync(() =>
        recoverPrivateKey({ ...base, blob: 'x', certificate: 'not a certificate' }),
      ),
    ).toBe('KEY_BLOB_MALFORMED');
    await expect(
      recoverPrivateKey({ ...base, serverPublicKey: undefined, pins: new MemoryPinStore() }),
    ).rejects.toThrow(TypeError);
  });
});

describeFixtures('recoverPrivateKey (testdata 1.2, legacy KDF, no server key published)', () => {
  it('E2EE-REC-030: recovers offline and checks the key against the certificate', async () => {
    const d = loadFixture('testdata-v12.json');
    const u = d.data.users[0];
    const out = await recoverPrivateKey({
      blob: u.encryptedPrivateKey,
      mnemonic: u.mnemonic,
      certificate: u.certificatePem,
      userId: 'admin',
    });
    expect(out.kdf).toEqual({ prf: 'sha1', iterations: 1024 });
    expect(sha256Hex(out.pkcs8)).toBe(d.expect.privateKey.pkcs8DerSha256);
    expect(certificateFingerprint(out.certificate)).toBe(d.expect.certificate.certificateDerSha256);
    // The v1.0 admin key is another key: its certificate does not match this blob.
    const v10 = loadFixture('testdata-v10.json').data.users[0];
    expect(
      await codeAsync(() =>
        recoverPrivateKey({
          blob: u.encryptedPrivateKey,
          mnemonic: u.mnemonic,
          certificate: v10.certificatePem,
          userId: 'admin',
        }),
      ),
    ).toBe('KEY_MISMATCH');
  });
});

describe('recoverPrivateKey against a server that mints certificates (CVE-2021-32727/32728 class)', () => {
  it('E2EE-REC-030 E2EE-REC-031: a server-signed certificate for a server-chosen key is KEY_MISMATCH', async () => {
    const server = nextTestKeyPair();
    const mallory = nextTestKeyPair();
    const e = await enrolUser({ userId: 'alice' });
    const genuine = await issueCertificate({ caPkcs8: server.pkcs8, subjectSpki: e.spki });
    const minted = await issueCertificate({ caPkcs8: server.pkcs8, subjectSpki: mallory.spki });
    const opts = {
      blob: e.blob,
      mnemonic: e.mnemonic,
      userId: 'alice',
      serverPublicKey: server.spki,
    };
    const pins = new MemoryPinStore();
    // The minted certificate is valid (CN=alice, signed by the server key): only the key match
    // catches it, and nothing is pinned.
    expect(parseCertificate(minted).subjectCn).toBe('alice');
    expect(await codeAsync(() => recoverPrivateKey({ ...opts, certificate: minted, pins }))).toBe(
      'KEY_MISMATCH',
    );
    expect(await pins.get('user:alice')).toBeUndefined();
    const ok = await recoverPrivateKey({ ...opts, certificate: genuine, pins });
    expect(equalBytes(ok.pkcs8, e.pkcs8)).toBe(true);
    expect((await pins.get('user:alice'))?.spkiSha256).toBe(sha256Hex(e.spki));
  });
});

describe('enrolUser', () => {
  it('E2EE-REC-033: the key pair, the CSR and the blob belong together', async () => {
    const e = await enrolUser({ userId: 'alice' });
    expect(e.mnemonic).toHaveLength(12);
    expect(e.mnemonic.every((w) => MNEMONIC_WORDLIST.includes(w))).toBe(true);
    expect(keysMatch(e.pkcs8, e.spki)).toBe(true);
    const csr = parseCsr(e.csrPem);
    expect(csr.subjectCn).toBe('alice');
    expect(csr.signatureValid).toBe(true);
    expect(equalBytes(csr.spki, e.spki)).toBe(true);
    expect(e.blob).toMatch(new RegExp(KEY_BLOB_WRITE_PATTERN));
    const opened = await decryptPrivateKey(e.blob, e.mnemonic.join(' '));
    expect(opened.kdf).toEqual(WRITE_KDF);
    expect(equalBytes(opened.pkcs8, e.pkcs8)).toBe(true);
  });

  it('E2EE-REC-001: the mnemonic comes from the injected rng', async () => {
    const e = await enrolUser({ userId: 'bob', rng: (n) => new Uint8Array(n).fill(0) });
    expect(e.mnemonic).toEqual(Array(12).fill('abandon'));
    await expect(enrolUser({ userId: 5 as never })).rejects.toThrow(TypeError);
  });
});
