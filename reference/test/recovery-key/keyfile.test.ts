/**
 * The recovery private key at rest and its Shamir shares (spec/20-recovery-key.md §2).
 */
import { describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { combine } from 'shamir-secret-sharing';
import {
  keyFileFingerprint,
  newRecoveryKey,
  openWithPassphrase,
  openWithShares,
  SCRYPT_MIN_N,
} from '../../src/recovery-key/index.js';
import { sha256Hex } from '../../src/_internal/bytes.js';

const PASS = 'correct horse battery staple';
const made = newRecoveryKey({
  passphrase: PASS,
  shares: { threshold: 3, count: 5 },
  scryptN: SCRYPT_MIN_N,
});

describe('recovery key generation and custody', () => {
  it('E2EE-RKEY-001 E2EE-RKEY-805 E2EE-RKEY-806: RSA-3072, private key only encrypted, 3-of-5 shares', async () => {
    const k = await made;
    expect(k.recoveryKeySha256).toBe(sha256Hex(k.publicKey));
    expect(keyFileFingerprint(k.keyFile)).toBe(k.recoveryKeySha256);
    expect(k.shares).toHaveLength(5);
    // The file holds no PKCS#8 in clear (no DER header of a private key, no PEM).
    expect(k.keyFile).not.toMatch(/PRIVATE KEY|MII/);
    const pkcs8 = openWithPassphrase(k.keyFile, PASS);
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(key.asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it('E2EE-RKEY-807: the shares are those of the audited library: its own combine gives one 32-byte key from any 3, another from 2', async () => {
    const k = await made;
    const bytes = k.shares.map((s) => {
      const j = JSON.parse(s) as { share: string };
      return new Uint8Array(Buffer.from(j.share, 'base64'));
    });
    const a = await combine([bytes[0]!, bytes[1]!, bytes[2]!]);
    const b = await combine([bytes[4]!, bytes[3]!, bytes[1]!]);
    expect(a).toHaveLength(32);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    const two = await combine([bytes[0]!, bytes[1]!]);
    expect(Buffer.from(two).equals(Buffer.from(a))).toBe(false);
  });

  it('E2EE-RKEY-806: a scrypt cost below the floor is refused', async () => {
    await expect(
      newRecoveryKey({ passphrase: PASS, scryptN: SCRYPT_MIN_N / 2 }),
    ).rejects.toMatchObject({ code: 'KEY_BLOB_MALFORMED' });
  });

  it('E2EE-RKEY-004: any 3 of 5 shares open the key; 2 do not, even without the count check', async () => {
    const k = await made;
    const want = openWithPassphrase(k.keyFile, PASS);
    for (const pick of [
      [0, 1, 2],
      [4, 2, 0],
      [1, 3, 4],
    ])
      expect(
        await openWithShares(
          k.keyFile,
          pick.map((i) => k.shares[i]!),
        ),
      ).toEqual(want);
    await expect(openWithShares(k.keyFile, k.shares.slice(0, 2))).rejects.toMatchObject({
      code: 'RECOVERY_SECRET_INVALID',
      message: '2 shares given, 3 needed',
    });
    // Below the threshold the combined secret is wrong: AES-GCM refuses it.
    await expect(
      openWithShares(k.keyFile, k.shares.slice(3, 5), { skipThresholdCheck: true }),
    ).rejects.toMatchObject({ code: 'RECOVERY_SECRET_INVALID' });
  });

  it('E2EE-RKEY-004: a wrong passphrase and shares of another key are refused with one code', async () => {
    const k = await made;
    expect(() => openWithPassphrase(k.keyFile, `${PASS}!`)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_SECRET_INVALID' }),
    );
    const other = await newRecoveryKey({ shares: { threshold: 2, count: 3 } });
    await expect(
      openWithShares(k.keyFile, [k.shares[0]!, k.shares[1]!, other.shares[0]!]),
    ).rejects.toMatchObject({
      code: 'RECOVERY_SECRET_INVALID',
      message: 'a share belongs to another recovery key',
    });
  });

  it('E2EE-RKEY-003: no error message carries the passphrase or a share', async () => {
    const k = await made;
    for (const f of [
      () => openWithPassphrase(k.keyFile, PASS.toUpperCase()),
      () => openWithShares(k.keyFile, k.shares.slice(0, 2)),
    ]) {
      const e = await Promise.resolve()
        .then(f)
        .then(
          () => undefined,
          (x: unknown) => x as Error,
        );
      expect(e).toBeDefined();
      const shown = `${e!.message} ${String(e!.stack)}`;
      expect(shown).not.toContain(PASS.toUpperCase());
      for (const s of k.shares)
        expect(shown).not.toContain((JSON.parse(s) as { share: string }).share);
    }
  });
});
