/**
 * The SoftHSM2 CA backend (spec/15-hsm.md): key generated in the token, non-extractable, every
 * signature made inside it, token and key found by label, initialisation on first use.
 *
 * Tests inspect the token through their own PKCS#11 session after closing the signer (SoftHSM
 * keeps one library instance per process), so they see exactly what an attacker with the PIN and
 * the library would see.
 */
import { createPublicKey, createVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import * as pkijs from 'pkijs';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSoftHsmCa } from '../../src/ca/softhsm.js';
import {
  findSoftHsmLibrary,
  findTokenSlot,
  initToken,
  isCkr,
  loadSoftHsm,
  writeSoftHsmConfig,
} from '../../src/ca/_softhsm-token.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { issueCertificate } from '../../src/ca/issue.js';
import { createCsr, csrToPem, verifyUserCertificate } from '../../../reference/src/certs/index.js';
import { seededBytes } from '../../../reference/test/_support/seeded-rng.js';
import { nextTestKeyObjects } from '../../../reference/test/_support/test-keys.js';

const LIBRARY = findSoftHsmLibrary();
const PINS = { userPin: 'user-pin-7364', soPin: 'so-pin-9182' };
const dirs: string[] = [];

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sealfold-hsm-test-'));
  dirs.push(d);
  return d;
}

/** Runs `fn` with a logged-in user session on the token of `dir` (the signer must be closed). */
function withToken<T>(
  dir: string,
  fn: (p11: pkcs11js.PKCS11, session: pkcs11js.Handle, slot: pkcs11js.Handle) => T,
  label = 'sealfold-ca',
): T {
  const p11 = loadSoftHsm(LIBRARY!, join(dir, 'softhsm2.conf'));
  try {
    const slot = findTokenSlot(p11, label);
    if (slot === undefined) throw new Error(`no token ${label}`);
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, PINS.userPin);
    try {
      return fn(p11, session, slot);
    } finally {
      p11.C_CloseSession(session);
    }
  } finally {
    p11.C_Finalize();
    p11.close();
  }
}

function findAll(p11: pkcs11js.PKCS11, s: pkcs11js.Handle, cls: number, label = 'sealfold-ca-key') {
  p11.C_FindObjectsInit(s, [
    { type: pkcs11js.CKA_CLASS, value: cls },
    { type: pkcs11js.CKA_LABEL, value: label },
  ]);
  const found = p11.C_FindObjects(s, 16);
  p11.C_FindObjectsFinal(s);
  return found;
}

function boolAttr(p11: pkcs11js.PKCS11, s: pkcs11js.Handle, h: pkcs11js.Handle, type: number) {
  return p11.C_GetAttributeValue(s, h, [{ type }])[0]!.value[0] === 1;
}

function verifies(spki: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  return createVerify('sha256')
    .update(data)
    .verify({ key: Buffer.from(spki), format: 'der', type: 'spki' }, sig);
}

/** Opening must fail with `code`; the PINs never appear in the message (E2EE-SEC-003). */
async function expectOpenRejected(dir: string, code: string, extra: object = {}) {
  const err = await openSoftHsmCa({ dir, ...PINS, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSealfoldError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  expect((err as Error).message).not.toContain(PINS.userPin);
  expect((err as Error).message).not.toContain(PINS.soPin);
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(LIBRARY === undefined)('SoftHSM2 CA signer', () => {
  let dir: string;
  let spki: Uint8Array;

  beforeAll(async () => {
    dir = freshDir();
    const ca = await openSoftHsmCa({ dir, ...PINS });
    expect(ca.created).toBe(true);
    spki = await ca.publicKeySpki();
    await ca.close();
  });

  it('E2EE-CERT-806: every signature is made in the token and verifies against publicKeySpki', async () => {
    const ca = await openSoftHsmCa({ dir, ...PINS });
    try {
      expect(ca.kind).toBe('softhsm');
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (data) => {
          const sig = await ca.signSha256Rsa(data);
          expect(sig.length).toBe(256);
          expect(verifies(spki, data, sig)).toBe(true);
          const other = new Uint8Array([...data, 1]);
          expect(verifies(spki, other, sig)).toBe(false);
        }),
        { numRuns: 30 },
      );
      // Bad input types are refused before the token is touched; the session keeps working.
      await expect(ca.signSha256Rsa('tbs' as unknown as Uint8Array)).rejects.toThrow(TypeError);
      const sig = await ca.signSha256Rsa(new Uint8Array([1, 2, 3]));
      expect(verifies(spki, new Uint8Array([1, 2, 3]), sig)).toBe(true);
    } finally {
      await ca.close();
    }
    // A closed signer refuses to sign, and close() twice is harmless.
    await ca.close();
    await expect(ca.signSha256Rsa(new Uint8Array(1))).rejects.toMatchObject({
      code: 'SERVER_ERROR',
    });
  });

  it('E2EE-CERT-076: the same key is found by label after close and reopen', async () => {
    for (let i = 0; i < 2; i++) {
      const ca = await openSoftHsmCa({ dir, ...PINS });
      expect(ca.created).toBe(false);
      expect(Buffer.from(await ca.publicKeySpki()).equals(Buffer.from(spki))).toBe(true);
      const sig = await ca.signSha256Rsa(new Uint8Array([i]));
      await ca.close();
      expect(verifies(spki, new Uint8Array([i]), sig)).toBe(true);
    }
    withToken(dir, (p11, s) => {
      expect(findAll(p11, s, pkcs11js.CKO_PRIVATE_KEY)).toHaveLength(1);
      expect(findAll(p11, s, pkcs11js.CKO_PUBLIC_KEY)).toHaveLength(1);
    });
  });

  it('E2EE-CERT-070: the key pair was generated inside the token (CKA_LOCAL) as RSA-2048 in a token object', () => {
    withToken(dir, (p11, s) => {
      const [priv] = findAll(p11, s, pkcs11js.CKO_PRIVATE_KEY);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_LOCAL)).toBe(true);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_TOKEN)).toBe(true);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_PRIVATE)).toBe(true);
      const modulus = p11.C_GetAttributeValue(s, priv!, [{ type: pkcs11js.CKA_MODULUS }])[0]!;
      expect(modulus.value.length).toBe(256);
      const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
        format: 'jwk',
      });
      expect(jwk.n).toBe(modulus.value.toString('base64url'));
    });
  });

  it('E2EE-CERT-071: E2EE-CERT-807: the private key cannot be read, made extractable or wrapped out of the token', () => {
    withToken(dir, (p11, s) => {
      const [priv] = findAll(p11, s, pkcs11js.CKO_PRIVATE_KEY);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_SENSITIVE)).toBe(true);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_EXTRACTABLE)).toBe(false);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_ALWAYS_SENSITIVE)).toBe(true);
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_NEVER_EXTRACTABLE)).toBe(true);
      for (const type of [
        pkcs11js.CKA_PRIVATE_EXPONENT,
        pkcs11js.CKA_PRIME_1,
        pkcs11js.CKA_PRIME_2,
        pkcs11js.CKA_EXPONENT_1,
        pkcs11js.CKA_EXPONENT_2,
        pkcs11js.CKA_COEFFICIENT,
      ]) {
        let err: unknown;
        try {
          p11.C_GetAttributeValue(s, priv!, [{ type }]);
        } catch (e) {
          err = e;
        }
        expect(
          isCkr(err, pkcs11js.CKR_ATTRIBUTE_SENSITIVE),
          `attribute 0x${type.toString(16)}`,
        ).toBe(true);
      }
      // CKA_VALUE is no attribute of an RSA private key: it cannot be read either.
      expect(() => p11.C_GetAttributeValue(s, priv!, [{ type: pkcs11js.CKA_VALUE }])).toThrow();
      // The flags cannot be relaxed afterwards.
      expect(() =>
        p11.C_SetAttributeValue(s, priv!, [{ type: pkcs11js.CKA_EXTRACTABLE, value: true }]),
      ).toThrow();
      expect(() =>
        p11.C_SetAttributeValue(s, priv!, [{ type: pkcs11js.CKA_SENSITIVE, value: false }]),
      ).toThrow();
      expect(boolAttr(p11, s, priv!, pkcs11js.CKA_EXTRACTABLE)).toBe(false);
      // Wrapping it under a key the attacker controls fails.
      const kek = p11.C_GenerateKey(s, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
        { type: pkcs11js.CKA_WRAP, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: true },
      ]);
      let wrapErr: unknown;
      try {
        p11.C_WrapKey(
          s,
          { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD },
          kek,
          priv!,
          Buffer.alloc(4096),
        );
      } catch (e) {
        wrapErr = e;
      }
      expect(isCkr(wrapErr, pkcs11js.CKR_KEY_UNEXTRACTABLE), String(wrapErr)).toBe(true);
    });
  });

  it('E2EE-CERT-808: a certificate signed through the token validates against the server key (pkijs)', async () => {
    const ca = await openSoftHsmCa({ dir, ...PINS });
    const name = (cn: string) => {
      const n = new pkijs.RelativeDistinguishedNames();
      n.typesAndValues.push(
        new pkijs.AttributeTypeAndValue({
          type: '2.5.4.3',
          value: new asn1js.Utf8String({ value: cn }),
        }),
      );
      return n;
    };
    const issue = async (subject: string, subjectSpki: Uint8Array, serial: number) => {
      const cert = new pkijs.Certificate();
      cert.version = 2;
      cert.serialNumber = new asn1js.Integer({ value: serial });
      cert.issuer = name('Sealfold test CA');
      cert.subject = name(subject);
      cert.notBefore.value = new Date('2026-01-01T00:00:00Z');
      cert.notAfter.value = new Date('2046-01-01T00:00:00Z');
      cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(subjectSpki));
      if (serial === 1) {
        cert.extensions = [
          new pkijs.Extension({
            extnID: '2.5.29.19',
            critical: true,
            extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(false),
          }),
        ];
      }
      const alg = new pkijs.AlgorithmIdentifier({
        algorithmId: '1.2.840.113549.1.1.11',
        algorithmParams: new asn1js.Null(),
      });
      cert.signature = alg;
      cert.signatureAlgorithm = alg;
      const tbs = new Uint8Array(cert.encodeTBS().toBER());
      cert.signatureValue = new asn1js.BitString({ valueHex: await ca.signSha256Rsa(tbs) });
      return pkijs.Certificate.fromBER(cert.toSchema(true).toBER());
    };
    try {
      const root = await issue('Sealfold test CA', spki, 1);
      const user = nextTestKeyObjects();
      const leaf = await issue('alice', user.publicKey.export({ type: 'spki', format: 'der' }), 2);
      expect(await leaf.verify(root)).toBe(true);
      const engine = new pkijs.CertificateChainValidationEngine({
        trustedCerts: [root],
        certs: [leaf],
        checkDate: new Date('2030-01-01T00:00:00Z'),
      });
      const verdict = await engine.verify();
      expect(verdict.result, verdict.resultMessage).toBe(true);
      // A certificate signed by some other key does not validate against the token's CA.
      const forged = pkijs.Certificate.fromBER(leaf.toSchema(true).toBER());
      forged.signatureValue = new asn1js.BitString({
        valueHex: seededBytes('forged signature', 256),
      });
      expect(await forged.verify(root)).toBe(false);
    } finally {
      await ca.close();
    }
  });

  it('E2EE-CERT-806: E2EE-CERT-808: ca/issue.ts issues through the token; the reference client accepts the certificate', async () => {
    const ca = await openSoftHsmCa({ dir, ...PINS });
    try {
      const user = nextTestKeyObjects();
      const pkcs8 = new Uint8Array(user.privateKey.export({ type: 'pkcs8', format: 'der' }));
      const csr = csrToPem(await createCsr(pkcs8, 'alice'));
      const cert = await issueCertificate({
        csr,
        expectedCn: 'alice',
        signer: ca,
        now: new Date(),
      });
      const parsed = verifyUserCertificate({
        certificate: cert.pem,
        serverPublicKey: await ca.publicKeySpki(),
        userId: 'alice',
      });
      expect(parsed).toBeDefined();
      // The same certificate does not validate against another server key.
      const other = new Uint8Array(
        nextTestKeyObjects().publicKey.export({
          type: 'spki',
          format: 'der',
        }),
      );
      expect(() =>
        verifyUserCertificate({ certificate: cert.pem, serverPublicKey: other, userId: 'alice' }),
      ).toThrow(expect.objectContaining({ code: 'CERT_UNTRUSTED' }));
    } finally {
      await ca.close();
    }
  });

  it('E2EE-CERT-073: configuration and token live in the project-owned directory; a temporary one is removed on close', async () => {
    expect(readFileSync(join(dir, 'softhsm2.conf'), 'utf8')).toContain(
      `directories.tokendir = ${join(dir, 'tokens')}`,
    );
    expect(existsSync(join(dir, 'tokens'))).toBe(true);
    const ca = await openSoftHsmCa({ ...PINS });
    expect(ca.created).toBe(true);
    expect(existsSync(join(ca.dir, 'softhsm2.conf'))).toBe(true);
    expect(
      verifies(
        await ca.publicKeySpki(),
        new Uint8Array([7]),
        await ca.signSha256Rsa(new Uint8Array([7])),
      ),
    ).toBe(true);
    await ca.close();
    expect(existsSync(ca.dir)).toBe(false);
  });

  it('E2EE-CERT-074: the token is found by its label among several tokens, never by slot id', async () => {
    const d = freshDir();
    // Another token is initialised first, so the CA token is not on the first slot.
    withTokenInit(d, 'someone-else');
    const ca = await openSoftHsmCa({ dir: d, ...PINS });
    const caSpki = await ca.publicKeySpki();
    await ca.close();
    const again = await openSoftHsmCa({ dir: d, ...PINS });
    expect(again.created).toBe(false);
    expect(Buffer.from(await again.publicKeySpki()).equals(Buffer.from(caSpki))).toBe(true);
    await again.close();
    withToken(
      d,
      (p11, s) => expect(findAll(p11, s, pkcs11js.CKO_PRIVATE_KEY)).toHaveLength(0),
      'someone-else',
    );
    // Two tokens with the label: ambiguous, refused.
    withTokenInit(d, 'sealfold-ca');
    await expectOpenRejected(d, 'SERVER_ERROR');
  });

  it('E2EE-CERT-075: a token is initialised only when none carries the label; an existing token is never re-initialised', async () => {
    const d = freshDir();
    const first = await openSoftHsmCa({ dir: d, ...PINS, tokenLabel: 'ca-75' });
    expect(first.created).toBe(true);
    const before = await first.publicKeySpki();
    await first.close();
    // A wrong SO PIN does not matter once the token exists: it is not re-initialised.
    const second = await openSoftHsmCa({
      dir: d,
      ...PINS,
      soPin: 'another-so-pin',
      tokenLabel: 'ca-75',
    });
    expect(second.created).toBe(false);
    expect(Buffer.from(await second.publicKeySpki()).equals(Buffer.from(before))).toBe(true);
    await second.close();
    // A wrong user PIN is AUTH_FAILED, and the token (and key) survive it.
    await expectOpenRejected(d, 'AUTH_FAILED', { userPin: 'wrong-pin-1', tokenLabel: 'ca-75' });
    const third = await openSoftHsmCa({ dir: d, ...PINS, tokenLabel: 'ca-75' });
    expect(Buffer.from(await third.publicKeySpki()).equals(Buffer.from(before))).toBe(true);
    await third.close();
  });

  it('E2EE-CERT-809: E2EE-CERT-810: PINs never appear in errors, and bad options are rejected before the token is touched', async () => {
    const d = freshDir();
    await expectOpenRejected(d, 'INPUT_MALFORMED', { tokenLabel: 'x'.repeat(33) });
    await expectOpenRejected(d, 'INPUT_MALFORMED', { tokenLabel: ' padded' });
    await expectOpenRejected(d, 'INPUT_MALFORMED', { keyLabel: 'é' });
    await expectOpenRejected(d, 'INPUT_MALFORMED', { userPin: '123' });
    await expectOpenRejected(d, 'INPUT_MALFORMED', { soPin: 42 });
    expect(existsSync(join(d, 'softhsm2.conf'))).toBe(false);
    await expectOpenRejected(d, 'UNSUPPORTED', { library: join(d, 'no-such-lib.so') });
  });

  it('E2EE-CERT-811: a second SoftHSM CA in the same process is refused while one is open', async () => {
    const ca = await openSoftHsmCa({ dir, ...PINS });
    try {
      await expectOpenRejected(freshDir(), 'SERVER_ERROR');
      expect(verifies(spki, new Uint8Array([9]), await ca.signSha256Rsa(new Uint8Array([9])))).toBe(
        true,
      );
    } finally {
      await ca.close();
    }
  });
});

describe.skipIf(LIBRARY === undefined)('SoftHSM2 CA signer refuses unsuitable keys', () => {
  /** A token labelled sealfold-ca whose key objects are planted by `plant`. */
  function plantedToken(plant: (p11: pkcs11js.PKCS11, s: pkcs11js.Handle) => void): string {
    const d = freshDir();
    withTokenInit(d, 'sealfold-ca');
    withToken(d, plant);
    return d;
  }
  const rsaTemplates = (bits: number, extractable: boolean, label = 'sealfold-ca-key') => ({
    pub: [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_MODULUS_BITS, value: bits },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    ],
    priv: [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: extractable },
    ],
  });
  const generate = (
    p11: pkcs11js.PKCS11,
    s: pkcs11js.Handle,
    bits: number,
    extractable: boolean,
  ) => {
    const t = rsaTemplates(bits, extractable);
    p11.C_GenerateKeyPair(s, { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN }, t.pub, t.priv);
  };

  it('E2EE-CERT-072: a key imported into the token (never always-sensitive) is refused', async () => {
    const d = plantedToken((p11, s) => {
      const { privateKey, publicKey } = nextTestKeyObjects();
      const j = privateKey.export({ format: 'jwk' });
      const b = (v: string | undefined) => Buffer.from(v!, 'base64url');
      p11.C_CreateObject(s, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_LABEL, value: 'sealfold-ca-key' },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_MODULUS, value: b(j.n) },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b(j.e) },
        { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: b(j.d) },
        { type: pkcs11js.CKA_PRIME_1, value: b(j.p) },
        { type: pkcs11js.CKA_PRIME_2, value: b(j.q) },
        { type: pkcs11js.CKA_EXPONENT_1, value: b(j.dp) },
        { type: pkcs11js.CKA_EXPONENT_2, value: b(j.dq) },
        { type: pkcs11js.CKA_COEFFICIENT, value: b(j.qi) },
      ]);
      const pj = publicKey.export({ format: 'jwk' });
      p11.C_CreateObject(s, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: 'sealfold-ca-key' },
        { type: pkcs11js.CKA_MODULUS, value: b(pj.n) },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b(pj.e) },
      ]);
    });
    await expectOpenRejected(d, 'KEY_UNSUPPORTED');
  });

  it('E2EE-CERT-072: a key generated extractable is refused', async () => {
    await expectOpenRejected(
      plantedToken((p11, s) => generate(p11, s, 2048, true)),
      'KEY_UNSUPPORTED',
    );
  });

  it('E2EE-CERT-080: a key of another size is refused', async () => {
    await expectOpenRejected(
      plantedToken((p11, s) => generate(p11, s, 1024, false)),
      'KEY_UNSUPPORTED',
    );
  });

  it('E2EE-CERT-076: two key pairs under the label are refused, not chosen between', async () => {
    const d = plantedToken((p11, s) => {
      generate(p11, s, 2048, false);
      generate(p11, s, 2048, false);
    });
    await expectOpenRejected(d, 'SERVER_ERROR');
  });

  it('E2EE-CERT-079: a public key that does not belong to the private key is refused', async () => {
    const d = plantedToken((p11, s) => {
      generate(p11, s, 2048, false);
      const [pub] = findAll(p11, s, pkcs11js.CKO_PUBLIC_KEY);
      p11.C_DestroyObject(s, pub!);
      const other = nextTestKeyObjects().publicKey.export({
        format: 'jwk',
      });
      p11.C_CreateObject(s, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_LABEL, value: 'sealfold-ca-key' },
        { type: pkcs11js.CKA_MODULUS, value: Buffer.from(other.n!, 'base64url') },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(other.e!, 'base64url') },
      ]);
    });
    await expectOpenRejected(d, 'KEY_MISMATCH');
  });
});

describe('SoftHSM2 CA signer without a PKCS#11 module', () => {
  it('refuses with UNSUPPORTED when the module is not installed', async () => {
    const missing = join(tmpdir(), 'sealfold-no-such-libsofthsm2.so');
    await expect(openSoftHsmCa({ ...PINS, library: missing })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    if (LIBRARY === undefined) {
      await expect(openSoftHsmCa({ ...PINS })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    }
  });
});

/** Initialises one more token labelled `label` in `dir` (plain PKCS#11, as an operator would). */
function withTokenInit(dir: string, label: string): void {
  const p11 = loadSoftHsm(LIBRARY!, writeSoftHsmConfig(dir));
  try {
    initToken(p11, label, PINS.soPin, PINS.userPin);
  } finally {
    p11.C_Finalize();
    p11.close();
  }
}
