import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/_internal/bytes.js';
import {
  assertKeyMatchesCertificate,
  certificateFingerprint,
  certificateToPem,
  parseCertificate,
  spkiFingerprint,
  verifyUserCertificate,
} from '../../src/certs/index.js';
import {
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyToPem,
  type UserKeyPair,
} from '../../src/keys/index.js';
import { pemDecode } from '../../src/pem/index.js';
import { code } from '../_support/codes.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';
import { scratchDir, userKeyPairs } from '../_support/setup.js';
import { fakeRsaSpki, issueCertificate, type IssueOptions } from './_ca.js';

let server: UserKeyPair;
let other: UserKeyPair;
let alice: UserKeyPair;
const dir = scratchDir('sealfold-cert-');
beforeAll(async () => {
  [server, other, alice] = await userKeyPairs(3);
});

function issue(o: Partial<IssueOptions> = {}) {
  return issueCertificate({ caPkcs8: server.pkcs8, subjectSpki: alice.spki, ...o });
}

function verify(
  certificate: Uint8Array | string,
  userId = 'alice',
  serverPublicKey: Uint8Array | string = server.spki,
) {
  return verifyUserCertificate({ certificate, serverPublicKey, userId });
}

describe('certificates from a test CA that behaves like the Nextcloud server', () => {
  it('E2EE-CERT-011: issuer == subject, serial 0, CA:TRUE, 20-year validity, SHA-1 and SHA-256 are accepted', async () => {
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
      const der = await issue({ hash });
      const cert = verify(der);
      expect(cert.issuer).toBe(cert.subject);
      expect(cert.subject).toBe('C=DE, ST=Baden-Wuerttemberg, L=Stuttgart, O=Nextcloud, CN=alice');
      expect(cert.serialHex).toBe('0');
      expect(cert.isCa).toBe(true);
      expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(7300 * 86_400_000);
      expect(cert.signatureAlgorithm).toBe(
        {
          'SHA-1': 'sha1WithRSAEncryption',
          'SHA-256': 'sha256WithRSAEncryption',
          'SHA-512': 'sha512WithRSAEncryption',
        }[hash],
      );
      expect(cert.spki).toEqual(alice.spki);
      expect(cert.der).toEqual(der);
    }
  });

  it('E2EE-CERT-011: openssl agrees: x509 parses it, and verifies it with the server key (independent check)', async () => {
    const der = await issue({ hash: 'SHA-1' });
    const certFile = join(dir(), 'alice.crt');
    const keyFile = join(dir(), 'server.pub');
    writeFileSync(certFile, certificateToPem(der));
    writeFileSync(join(dir(), 'alice.der'), der);
    writeFileSync(keyFile, publicKeyToPem(server.spki));
    const text = spawnSync(
      'openssl',
      ['x509', '-in', certFile, '-noout', '-serial', '-subject', '-issuer', '-nameopt', 'RFC2253'],
      { encoding: 'utf8' },
    );
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('serial=00');
    expect(text.stdout).toContain(
      'subject=CN=alice,O=Nextcloud,L=Stuttgart,ST=Baden-Wuerttemberg,C=DE',
    );
    const fp = spawnSync(
      'openssl',
      ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'],
      {
        encoding: 'utf8',
      },
    );
    expect(fp.stdout.replace(/.*=/, '').replaceAll(':', '').trim().toLowerCase()).toBe(
      certificateFingerprint(der),
    );
    // The TBSCertificate starts after the 4-byte outer header; the RSA-2048 signature is the
    // last 256 bytes. openssl dgst checks the signature with the raw server key.
    const tbsFile = join(dir(), 'tbs.der');
    const sigFile = join(dir(), 'sig.bin');
    const parse = spawnSync(
      'openssl',
      [
        'asn1parse',
        '-inform',
        'DER',
        '-in',
        join(dir(), 'alice.der'),
        '-strparse',
        '4',
        '-out',
        tbsFile,
        '-noout',
      ],
      { input: '' },
    );
    expect(parse.status).toBe(0);
    writeFileSync(sigFile, der.subarray(der.length - 256));
    const dgst = spawnSync(
      'openssl',
      ['dgst', '-sha1', '-verify', keyFile, '-signature', sigFile, tbsFile],
      { encoding: 'utf8' },
    );
    expect(dgst.stdout.trim()).toBe('Verified OK');
    const wrong = spawnSync(
      'openssl',
      ['dgst', '-sha256', '-verify', keyFile, '-signature', sigFile, tbsFile],
      { encoding: 'utf8' },
    );
    expect(wrong.stdout.trim()).not.toBe('Verified OK');
  });

  it('E2EE-CERT-011: other serials and a distinct issuer name are accepted too (names are not interpreted)', async () => {
    expect(
      verify(await issue({ serial: 4660, issuerEqualsSubject: false, ca: false })).serialHex,
    ).toBe('1234');
  });

  it('E2EE-CERT-011: unknown extensions, even critical ones, are not interpreted', async () => {
    const unknown = new pkijs.Extension({
      extnID: '1.3.6.1.4.1.99999.1',
      critical: true,
      extnValue: new asn1js.Null().toBER(false),
    });
    const der = await issue({ extraExtensions: [unknown] });
    expect(verify(der).subjectCn).toBe('alice');
  });

  it('E2EE-CERT-015: a certificate outside its validity period is still accepted', async () => {
    const expired = await issue({
      notBefore: new Date('2000-01-01T00:00:00Z'),
      notAfter: new Date('2001-01-01T00:00:00Z'),
    });
    expect(verify(expired).notAfter.toISOString()).toBe('2001-01-01T00:00:00.000Z');
    const future = await issue({
      notBefore: new Date('2090-01-01T00:00:00Z'),
      notAfter: new Date('2110-01-01T00:00:00Z'),
    });
    expect(verify(future).subjectCn).toBe('alice');
  });

  it('E2EE-CERT-012: a certificate signed by another key is CERT_UNTRUSTED', async () => {
    const der = await issueCertificate({ caPkcs8: other.pkcs8, subjectSpki: alice.spki });
    expect(code(() => verify(der))).toBe('CERT_UNTRUSTED');
    // …and a self-signed one (the subject's own key) too.
    const self = await issueCertificate({ caPkcs8: alice.pkcs8, subjectSpki: alice.spki });
    expect(code(() => verify(self))).toBe('CERT_UNTRUSTED');
  });

  it('E2EE-CERT-012: an MD5 signature is CERT_UNTRUSTED even when it verifies', async () => {
    const md5 = await issue({ hash: 'MD5' });
    expect(parseCertificate(md5).signatureAlgorithm).toBe('md5WithRSAEncryption');
    expect(code(() => verify(md5))).toBe('CERT_UNTRUSTED');
  });

  it('E2EE-CERT-013: a subject key or server key outside the key policy is KEY_UNSUPPORTED', async () => {
    const weak = await issue({ subjectSpki: fakeRsaSpki(1024) });
    expect(
      code(() =>
        verifyUserCertificate({ certificate: weak, serverPublicKey: server.spki, userId: 'alice' }),
      ),
    ).toBe('KEY_UNSUPPORTED');
    const e3 = await issue({ subjectSpki: fakeRsaSpki(2048, 3) });
    expect(code(() => verify(e3))).toBe('KEY_UNSUPPORTED');
    const good = await issue();
    expect(code(() => verify(good, 'alice', fakeRsaSpki(1024)))).toBe('KEY_UNSUPPORTED');
  });

  it('E2EE-CERT-014: the CN must equal the user id exactly (case, whitespace, other DN attributes)', async () => {
    const der = await issue();
    expect(code(() => verify(der, 'bob'))).toBe('CERT_USER_MISMATCH');
    expect(code(() => verify(der, 'Alice'))).toBe('CERT_USER_MISMATCH');
    expect(code(() => verify(der, 'alice '))).toBe('CERT_USER_MISMATCH');
    expect(code(() => verify(der, 'Nextcloud'))).toBe('CERT_USER_MISMATCH');
    expect(code(() => verify(der, ''))).toBe('CERT_USER_MISMATCH');
    const noCn = await issue({ cns: [] });
    expect(parseCertificate(noCn).subjectCn).toBeNull();
    expect(code(() => verify(noCn, 'alice'))).toBe('CERT_USER_MISMATCH');
    const twoCns = await issue({ cns: ['alice', 'bob'] });
    expect(parseCertificate(twoCns).subjectCn).toBeNull();
    expect(code(() => verify(twoCns, 'alice'))).toBe('CERT_USER_MISMATCH');
    expect(code(() => verify(twoCns, 'bob'))).toBe('CERT_USER_MISMATCH');
  });

  it('E2EE-CERT-014: a link-share certificate (CN=s:<token>) is valid only for the user id s:<token>', async () => {
    const der = await issue({ cns: ['s:Q7bXk2LmNp4RtYz'], dnPrefix: [] });
    expect(verify(der, 's:Q7bXk2LmNp4RtYz').subject).toBe('CN=s:Q7bXk2LmNp4RtYz');
    expect(code(() => verify(der, 'Q7bXk2LmNp4RtYz'))).toBe('CERT_USER_MISMATCH');
    const bob = await issue({ cns: ['bob'] });
    expect(code(() => verify(bob, 's:bob'))).toBe('CERT_USER_MISMATCH');
  });

  it('E2EE-CERT-014: non-ASCII user ids compare as exact strings (no normalisation)', async () => {
    const der = await issue({ cns: ['j\u00fcrgen'] });
    expect(verify(der, 'j\u00fcrgen').subjectCn).toBe('j\u00fcrgen');
    expect(code(() => verify(der, 'ju\u0308rgen'))).toBe('CERT_USER_MISMATCH');
  });

  it('E2EE-CERT-017: checks run in layer order (encoding, structure, authentication, policy)', async () => {
    const wrongCnWrongSigner = await issueCertificate({
      caPkcs8: other.pkcs8,
      subjectSpki: alice.spki,
      cns: ['mallory'],
    });
    expect(code(() => verify(wrongCnWrongSigner, 'alice'))).toBe('CERT_UNTRUSTED');
    const weakWrongSigner = await issueCertificate({
      caPkcs8: other.pkcs8,
      subjectSpki: fakeRsaSpki(1024),
      cns: ['mallory'],
    });
    expect(code(() => verify(weakWrongSigner, 'alice'))).toBe('KEY_UNSUPPORTED');
    expect(code(() => verify(new Uint8Array([0x30, 0]), 'alice', fakeRsaSpki(1024)))).toBe(
      'CERT_MALFORMED',
    );
    const good = await issue();
    expect(code(() => verify(good, 'alice', new Uint8Array([1, 2, 3])))).toBe('KEY_MALFORMED');
    expect(code(() => verify(good, 'alice', 'not pem'))).toBe('PEM_MALFORMED');
  });

  it('E2EE-CERT-010: garbage, trailing bytes, a key or a CSR in place of a certificate are CERT_MALFORMED', async () => {
    const der = await issue();
    expect(code(() => parseCertificate(new Uint8Array([...der, 0])))).toBe('CERT_MALFORMED');
    expect(code(() => parseCertificate(der.subarray(0, der.length - 1)))).toBe('CERT_MALFORMED');
    expect(code(() => parseCertificate(alice.spki))).toBe('CERT_MALFORMED');
    expect(code(() => parseCertificate(new Uint8Array(0)))).toBe('CERT_MALFORMED');
    expect(code(() => parseCertificate(publicKeyToPem(alice.spki)))).toBe('PEM_MALFORMED');
    expect(() => parseCertificate(42 as any)).toThrow(TypeError);
    expect(() =>
      verifyUserCertificate({ certificate: der, serverPublicKey: server.spki, userId: 1 as any }),
    ).toThrow(TypeError);
  });

  it('E2EE-CERT-010: an outer signature algorithm that differs from the signed one is CERT_MALFORMED', async () => {
    const der = await issue({ hash: 'SHA-256' });
    // The outer AlgorithmIdentifier is the second-to-last element: replace its OID's last byte 0x0b (sha256) by 0x05 (sha1).
    const hex = Buffer.from(der).toString('hex');
    const alg = '06092a864886f70d01010b0500';
    const at = hex.lastIndexOf(alg);
    const bad = Buffer.from(
      hex.slice(0, at) + alg.replace('0b05', '0505') + hex.slice(at + alg.length),
      'hex',
    );
    expect(code(() => parseCertificate(new Uint8Array(bad)))).toBe('CERT_MALFORMED');
  });

  it('E2EE-CERT-016: assertKeyMatchesCertificate: own key passes, another key is KEY_MISMATCH', async () => {
    const der = await issue();
    expect(() => assertKeyMatchesCertificate(alice.pkcs8, der)).not.toThrow();
    expect(() => assertKeyMatchesCertificate(alice.pkcs8, certificateToPem(der))).not.toThrow();
    expect(() => assertKeyMatchesCertificate(alice.pkcs8, parseCertificate(der))).not.toThrow();
    expect(code(() => assertKeyMatchesCertificate(other.pkcs8, der))).toBe('KEY_MISMATCH');
    expect(code(() => assertKeyMatchesCertificate(new Uint8Array([1]), der))).toBe('KEY_MALFORMED');
  });

  it('E2EE-CERT-030: fingerprints are SHA-256 of the certificate DER and of the canonical SPKI DER', async () => {
    const der = await issue();
    const cert = parseCertificate(der);
    expect(cert.fingerprint).toBe(sha256Hex(der));
    expect(certificateFingerprint(certificateToPem(der))).toBe(sha256Hex(der));
    expect(certificateFingerprint(cert)).toBe(sha256Hex(der));
    expect(spkiFingerprint(cert.spki)).toBe(sha256Hex(alice.spki));
    expect(cert.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('E2EE-SEC-001: any single-byte change to a valid certificate is rejected with a typed code (property)', async () => {
    const der = await issue({ hash: 'SHA-1' });
    const allowed = [
      'PEM_MALFORMED',
      'CERT_MALFORMED',
      'KEY_MALFORMED',
      'KEY_UNSUPPORTED',
      'CERT_UNTRUSTED',
      'CERT_USER_MISMATCH',
    ];
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const bad = new Uint8Array(der);
        bad[pos % bad.length]! ^= x;
        expect(allowed).toContain(code(() => verify(bad)));
      }),
      { numRuns: 150 },
    );
  });

  it('E2EE-SEC-001: random bytes, truncations and extensions are typed errors (property)', async () => {
    const der = await issue();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.nat({ max: der.length - 1 }).map((n) => der.subarray(0, n)),
          fc.uint8Array({ minLength: 1, maxLength: 8 }).map((t) => new Uint8Array([...der, ...t])),
        ),
        (bytes) => {
          expect(['CERT_MALFORMED']).toContain(code(() => verify(bytes)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describeFixtures('fixture certificates', () => {
  const web = loadFixture('web-alice-bob.json');

  for (const u of web.data.users) {
    const e = web.expect.users[u.userId].certificate;
    it(`E2EE-CERT-012: web ${u.userId}: validates with the published server key (sha1WithRSAEncryption)`, () => {
      const cert = verifyUserCertificate({
        certificate: u.certificatePem,
        serverPublicKey: web.data.serverPublicKeyPem,
        userId: u.userId,
      });
      expect(cert.subject).toBe(e.subject);
      expect(cert.issuer).toBe(e.issuer);
      expect(cert.serialHex).toBe(e.serialNumberHex);
      expect(cert.signatureAlgorithm).toBe(e.signatureAlgorithm);
      expect(cert.notBefore.toISOString()).toBe(e.notBefore);
      expect(cert.notAfter.toISOString()).toBe(e.notAfter);
      expect(cert.isCa).toBe(e.basicConstraintsCA);
      expect(cert.fingerprint).toBe(e.certificateDerSha256);
      expect(spkiFingerprint(cert.spki)).toBe(e.spkiDerSha256);
      // DER server key works as well as PEM.
      const serverDer = publicKeyFromPem(web.data.serverPublicKeyPem);
      expect(
        verifyUserCertificate({
          certificate: pemDecode(u.certificatePem, 'CERTIFICATE'),
          serverPublicKey: serverDer,
          userId: u.userId,
        }).fingerprint,
      ).toBe(e.certificateDerSha256);
    });

    it(`E2EE-CERT-016: web ${u.userId}: the private key matches the certificate`, () => {
      assertKeyMatchesCertificate(privateKeyFromPem(u.privateKeyPkcs8Pem), u.certificatePem);
    });

    it(`E2EE-CERT-014: web ${u.userId}: the certificate is rejected for the other user`, () => {
      const otherId = u.userId === 'alice' ? 'bob' : 'alice';
      expect(
        code(() =>
          verifyUserCertificate({
            certificate: u.certificatePem,
            serverPublicKey: web.data.serverPublicKeyPem,
            userId: otherId,
          }),
        ),
      ).toBe('CERT_USER_MISMATCH');
    });
  }

  it("E2EE-CERT-016: web: alice's key does not match bob's certificate (KEY_MISMATCH)", () => {
    const [a, b] = web.data.users;
    expect(
      code(() =>
        assertKeyMatchesCertificate(privateKeyFromPem(a.privateKeyPkcs8Pem), b.certificatePem),
      ),
    ).toBe('KEY_MISMATCH');
  });

  interface Other {
    name: string;
    pem: string;
    userId: string;
    expect: any;
    keyPem?: string;
  }
  const others: Other[] = [];
  for (const v of ['10', '11', '12']) {
    const f = loadFixture(`testdata-v${v}.json`);
    others.push({
      name: `testdata v${v}`,
      pem: f.data.users[0].certificatePem,
      userId: 'admin',
      expect: f.expect.certificate,
      keyPem: f.expect.privateKey.decryptedPem,
    });
  }
  const desktop = loadFixture('desktop-v12-filedrop.json');
  others.push({
    name: 'desktop',
    pem: desktop.data.certificatePem,
    userId: 'newstandard',
    expect: desktop.expect.certificate,
    keyPem: desktop.data.privateKeyPem,
  });
  const android = loadFixture('android-v2-signature.json');
  others.push({
    name: 'android',
    pem: android.data.signerCertificatePem,
    userId: 'admin',
    expect: android.expect.certificate,
  });

  for (const o of others) {
    it(`E2EE-CERT-011: ${o.name}: parses with the documented quirks; its own key does not verify it (signatureValidWithOwnKey: false)`, () => {
      const cert = parseCertificate(o.pem);
      expect(cert.subject).toBe(o.expect.subject);
      expect(cert.issuer).toBe(o.expect.issuer);
      expect(cert.subjectCn).toBe(o.userId);
      expect(cert.serialHex).toBe(o.expect.serialNumberHex);
      expect(cert.signatureAlgorithm).toBe(o.expect.signatureAlgorithm);
      expect(cert.isCa).toBe(o.expect.basicConstraintsCA);
      expect(cert.notBefore.toISOString()).toBe(o.expect.notBefore);
      expect(cert.notAfter.toISOString()).toBe(o.expect.notAfter);
      expect(cert.fingerprint).toBe(o.expect.certificateDerSha256);
      expect(spkiFingerprint(cert.spki)).toBe(o.expect.spkiDerSha256);
      expect(o.expect.signatureValidWithOwnKey).toBe(false);
      // The issuing server key is not published: the certificate's own key must not verify it.
      expect(
        code(() =>
          verifyUserCertificate({
            certificate: o.pem,
            serverPublicKey: cert.spki,
            userId: o.userId,
          }),
        ),
      ).toBe('CERT_UNTRUSTED');
      // Nor does the web fixture's server key.
      expect(
        code(() =>
          verifyUserCertificate({
            certificate: o.pem,
            serverPublicKey: web.data.serverPublicKeyPem,
            userId: o.userId,
          }),
        ),
      ).toBe('CERT_UNTRUSTED');
    });
    if (o.keyPem) {
      it(`E2EE-CERT-016: ${o.name}: the private key matches the certificate`, () => {
        assertKeyMatchesCertificate(privateKeyFromPem(o.keyPem!), o.pem);
      });
    }
  }
});
