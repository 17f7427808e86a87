/**
 * The recovery key in a SoftHSM2 token of its own (spec/20-recovery-key.md §2.1): generated
 * inside the token, sensitive, never extractable, decrypt-only with raw RSA, OAEP decoded on the
 * host with the wrap's label; never the CA's token; a wrong PIN is AUTH_FAILED.
 *
 * Tests inspect the token through their own PKCS#11 session after the module closed it (SoftHSM
 * keeps one library instance per process), as anyone holding the PIN and the library could.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateRecoveryKeyInToken,
  openRecoveryToken,
  type TokenRecoveryKey,
} from '../../src/ca/recovery-token.js';
import { openSoftHsmCa } from '../../src/ca/softhsm.js';
import { findSoftHsmLibrary, findTokenSlot, loadSoftHsm } from '../../src/ca/_softhsm-token.js';
import { sha256Hex } from '../../../reference/src/bytes/index.js';
import {
  readRecoveryWrap,
  unwrapRecoveryWith,
  wrapForRecovery,
} from '../../../reference/src/recovery-key/index.js';

const LIBRARY = findSoftHsmLibrary();
const PINS = { userPin: 'recovery-pin-4417', soPin: 'recovery-so-2290' };
const dirs: string[] = [];

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sealfold-rkey-hsm-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function withToken<T>(
  dir: string,
  label: string,
  fn: (p11: pkcs11js.PKCS11, session: pkcs11js.Handle) => T,
): T {
  const p11 = loadSoftHsm(LIBRARY!, join(dir, 'softhsm2.conf'));
  try {
    const slot = findTokenSlot(p11, label);
    if (slot === undefined) throw new Error(`no token ${label}`);
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, PINS.userPin);
    try {
      return fn(p11, session);
    } finally {
      p11.C_CloseSession(session);
    }
  } finally {
    p11.C_Finalize();
    p11.close();
  }
}

function privateKeys(p11: pkcs11js.PKCS11, s: pkcs11js.Handle): pkcs11js.Handle[] {
  p11.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
  try {
    return p11.C_FindObjects(s, 16);
  } finally {
    p11.C_FindObjectsFinal(s);
  }
}

/** The CKR_* name the token answered `fn` with (it must refuse). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const m = /^CKR_[A-Z_]+/.exec(e instanceof Error ? e.message : '');
    if (m !== null) return m[0];
    throw e;
  }
  throw new Error('the token allowed it');
}

const wrapOf = (made: TokenRecoveryKey, folderId: string, key: Uint8Array) =>
  readRecoveryWrap({
    sealfoldRecovery: wrapForRecovery(
      {
        recoveryKey: made.publicKey,
        recoveryKeySha256: made.recoveryKeySha256,
        policySha256: 'ab'.repeat(32),
      },
      folderId,
      key,
    ),
  })!;

describe.skipIf(LIBRARY === undefined)('the recovery key in a SoftHSM token', () => {
  const dir = freshDir();
  let made: TokenRecoveryKey;

  it('E2EE-RKEY-120: generates an RSA-3072 key pair in a new token and returns only the public key', async () => {
    made = await generateRecoveryKeyInToken({ dir, ...PINS });
    expect(made.createdToken).toBe(true);
    expect(made.tokenLabel).toBe('sealfold-recovery');
    expect(made.recoveryKeySha256).toBe(sha256Hex(made.publicKey));
    withToken(dir, made.tokenLabel, (p11, s) => {
      const privs = privateKeys(p11, s);
      expect(privs).toHaveLength(1);
      const modulus = p11.C_GetAttributeValue(s, privs[0]!, [{ type: pkcs11js.CKA_MODULUS }])[0]!;
      expect(modulus.value.length * 8).toBe(3072);
    });
  });

  it('E2EE-RKEY-120 E2EE-RKEY-122: the private key is sensitive, never extractable, and decrypts only with raw RSA', () => {
    withToken(dir, made.tokenLabel, (p11, s) => {
      const priv = privateKeys(p11, s)[0]!;
      for (const type of [pkcs11js.CKA_PRIVATE_EXPONENT, pkcs11js.CKA_PRIME_1])
        expect(refusal(() => p11.C_GetAttributeValue(s, priv, [{ type }]))).toBe(
          'CKR_ATTRIBUTE_SENSITIVE',
        );
      // Neither can it be made extractable afterwards.
      expect(
        refusal(() =>
          p11.C_SetAttributeValue(s, priv, [{ type: pkcs11js.CKA_EXTRACTABLE, value: true }]),
        ),
      ).toBe('CKR_ATTRIBUTE_READ_ONLY');
      const bool = (type: number) => p11.C_GetAttributeValue(s, priv, [{ type }])[0]!.value[0];
      expect(bool(pkcs11js.CKA_EXTRACTABLE)).toBe(0);
      expect(bool(pkcs11js.CKA_NEVER_EXTRACTABLE)).toBe(1);
      expect(bool(pkcs11js.CKA_ALWAYS_SENSITIVE)).toBe(1);
      // No signing, and no PKCS#1 v1.5 decryption (the allowed-mechanisms list is raw RSA only).
      expect(
        refusal(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, priv)),
      ).toMatch(/^CKR_/);
      expect(refusal(() => p11.C_DecryptInit(s, { mechanism: pkcs11js.CKM_RSA_PKCS }, priv))).toBe(
        'CKR_MECHANISM_INVALID',
      );
    });
  });

  it('E2EE-RKEY-123: the token unwraps a folder wrap with that folder’s label; another label fails', async () => {
    const key = randomBytes(16);
    const token = await openRecoveryToken({ dir, userPin: PINS.userPin }, made.recoveryKeySha256);
    try {
      expect(token.publicKey).toEqual(made.publicKey);
      const opened = await unwrapRecoveryWith(token, '4711', wrapOf(made, '4711', key));
      expect(Buffer.from(opened).equals(key)).toBe(true);
      await expect(
        unwrapRecoveryWith(token, '4712', wrapOf(made, '4711', key)),
      ).rejects.toMatchObject({ code: 'KEY_UNWRAP_FAILED' });
    } finally {
      await token.close();
    }
  });

  it('E2EE-RKEY-124: a wrong PIN is AUTH_FAILED and the message holds no PIN', async () => {
    const err = await openRecoveryToken(
      { dir, userPin: 'not-the-pin-0000' },
      made.recoveryKeySha256,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUTH_FAILED' });
    expect(String((err as Error).message)).not.toContain('not-the-pin-0000');
    // The token still opens with the right PIN afterwards (one failure does not lock it).
    await (await openRecoveryToken({ dir, userPin: PINS.userPin }, made.recoveryKeySha256)).close();
  });

  it('E2EE-RKEY-122: a fingerprint the token holds no key for is KEY_MISMATCH; a label in use is ALREADY_EXISTS; no token directory is NOT_FOUND', async () => {
    await expect(
      openRecoveryToken({ dir, userPin: PINS.userPin }, 'cd'.repeat(32)),
    ).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
    await expect(generateRecoveryKeyInToken({ dir, ...PINS })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    const nowhere = join(freshDir(), 'typo');
    await expect(
      openRecoveryToken({ dir: nowhere, userPin: PINS.userPin }, made.recoveryKeySha256),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(nowhere)).toBe(false);
  });

  it('E2EE-RKEY-122: a key that was extractable at generation is refused (KEY_UNSUPPORTED)', async () => {
    const fp = withToken(dir, made.tokenLabel, (p11, s) => {
      const pair = p11.C_GenerateKeyPair(
        s,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_MODULUS_BITS, value: 3072 },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: true },
          { type: pkcs11js.CKA_DECRYPT, value: true },
          { type: pkcs11js.CKA_SIGN, value: false },
        ],
      );
      const n = p11.C_GetAttributeValue(s, pair.publicKey, [{ type: pkcs11js.CKA_MODULUS }])[0]!;
      return n.value;
    });
    const { createPublicKey } = await import('node:crypto');
    const spki = createPublicKey({
      key: { kty: 'RSA', n: fp.toString('base64url'), e: 'AQAB' },
      format: 'jwk',
    }).export({ type: 'spki', format: 'der' });
    await expect(
      openRecoveryToken({ dir, userPin: PINS.userPin }, sha256Hex(new Uint8Array(spki))),
    ).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
  });

  it('E2EE-RKEY-121: the CA’s token is refused, by its label and by the signing key it holds', async () => {
    await expect(
      generateRecoveryKeyInToken({ dir: freshDir(), tokenLabel: 'sealfold-ca', ...PINS }),
    ).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
    const caDir = freshDir();
    const ca = await openSoftHsmCa({ dir: caDir, tokenLabel: 'shared-token', ...PINS });
    await ca.close();
    await expect(
      generateRecoveryKeyInToken({ dir: caDir, tokenLabel: 'shared-token', ...PINS }),
    ).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
    // Nothing was added to the CA's token.
    withToken(caDir, 'shared-token', (p11, s) => expect(privateKeys(p11, s)).toHaveLength(1));
  });
});
