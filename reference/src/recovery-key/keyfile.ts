/**
 * The recovery private key at rest (spec/20-recovery-key.md §2): generated offline, encrypted
 * under a random unlock key, and the unlock key recoverable from a passphrase (scrypt) and/or
 * from M of N Shamir shares. The Shamir arithmetic is the audited `shamir-secret-sharing`
 * package's; this module only frames its shares.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  scryptSync,
} from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import {
  defaultRng,
  fromBase64,
  sha256Hex,
  toBase64,
  utf8,
  wipe,
  type Rng,
} from '../_internal/bytes.js';
import { canonicalJson, parseJson, type JsonObject } from '../_internal/json.js';
import { SealfoldError } from '../errors/index.js';

export const KEY_FILE_FORMAT = 'sealfold-recovery-private-key/1';
export const SHARE_FORMAT = 'sealfold-recovery-share/1';
/** scrypt floor (E2EE-RKEY-806); the default is what `recovery-key new` uses. */
export const SCRYPT_MIN_N = 2 ** 15;
export const SCRYPT_DEFAULT_N = 2 ** 17;
const S = 'RECOVERY_SECRET_INVALID';

/** A freshly generated recovery key: public part, encrypted private file, shares. */
export interface NewRecoveryKey {
  /** SPKI DER of the RSA-3072 public key. */
  readonly publicKey: Uint8Array;
  readonly recoveryKeySha256: string;
  /** The encrypted private key file (JSON text). */
  readonly keyFile: string;
  /** One JSON text per custodian; empty without `shares`. */
  readonly shares: readonly string[];
}

export interface NewRecoveryKeyOptions {
  /** Unlock by passphrase (UTF-8). */
  readonly passphrase?: string;
  /** Unlock by M-of-N shares. */
  readonly shares?: { readonly threshold: number; readonly count: number };
  readonly scryptN?: number;
  readonly rng?: Rng;
}

function gcmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(ad);
  const ct = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return new Uint8Array(ct);
}

function gcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  if (sealed.length < 16) throw new SealfoldError(S, 'the sealed value is too short');
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(ad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return new Uint8Array(
      Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]),
    );
  } catch (e) {
    // E2EE-RKEY-004 (MUST, client): a wrong passphrase or a wrong set of shares is one code.
    throw new SealfoldError(S, 'the passphrase or shares do not open the recovery key', {
      cause: e,
    });
  }
}

function scryptKey(passphrase: string, salt: Uint8Array, n: number): Uint8Array {
  // E2EE-RKEY-806 (MUST, client): scrypt with a floor on its cost.
  if (!Number.isSafeInteger(n) || n < SCRYPT_MIN_N || (n & (n - 1)) !== 0)
    throw new SealfoldError('KEY_BLOB_MALFORMED', 'the scrypt cost is below the floor');
  return new Uint8Array(
    scryptSync(utf8(passphrase), salt, 32, { N: n, r: 8, p: 1, maxmem: 512 * 1024 * 1024 }),
  );
}

/** Generates a recovery key pair offline and protects its private key (E2EE-RKEY-001, -002). */
export async function newRecoveryKey(opts: NewRecoveryKeyOptions): Promise<NewRecoveryKey> {
  const rng = opts.rng ?? defaultRng;
  if (opts.passphrase === undefined && opts.shares === undefined)
    throw new SealfoldError('INPUT_MALFORMED', 'give a passphrase, shares, or both');
  if (opts.passphrase !== undefined && opts.passphrase.length < 12)
    throw new SealfoldError('INPUT_MALFORMED', 'the passphrase must have at least 12 characters');
  const sh = opts.shares;
  if (
    sh !== undefined &&
    (!Number.isInteger(sh.threshold) ||
      !Number.isInteger(sh.count) ||
      sh.threshold < 2 ||
      sh.count < sh.threshold ||
      sh.count > 255)
  )
    throw new SealfoldError('INPUT_MALFORMED', 'shares need 2 ≤ threshold ≤ count ≤ 255');
  // E2EE-RKEY-001 (MUST, client): RSA-3072, e = 65537, generated here, never on the server.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 3072,
    publicExponent: 65537,
  });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  const fp = sha256Hex(spki);
  const unlockKey = rng(32);
  const unlock: JsonObject = {};
  if (opts.passphrase !== undefined) {
    const n = opts.scryptN ?? SCRYPT_DEFAULT_N;
    const salt = rng(16);
    const nonce = rng(12);
    const kek = scryptKey(opts.passphrase, salt, n);
    const ad = utf8(`${KEY_FILE_FORMAT}:passphrase:${fp}`);
    unlock.passphrase = {
      N: n,
      kdf: 'scrypt',
      nonce: toBase64(nonce),
      p: 1,
      r: 8,
      salt: toBase64(salt),
      wrappedKey: toBase64(gcmSeal(kek, nonce, unlockKey, ad)),
    };
    wipe(kek);
  }
  let shares: string[] = [];
  if (sh !== undefined) {
    unlock.shares = { count: sh.count, threshold: sh.threshold };
    // E2EE-RKEY-807 (MUST, client): the audited library makes the shares.
    const parts = await split(unlockKey, sh.count, sh.threshold);
    shares = parts.map((s) =>
      canonicalJson({
        count: sh.count,
        format: SHARE_FORMAT,
        recoveryKeySha256: fp,
        share: toBase64(s),
        threshold: sh.threshold,
      }),
    );
  }
  const header: JsonObject = { format: KEY_FILE_FORMAT, recoveryKeySha256: fp, unlock };
  const nonce = rng(12);
  const sealed = gcmSeal(unlockKey, nonce, pkcs8, utf8(canonicalJson(header)));
  wipe(unlockKey, pkcs8);
  const keyFile = canonicalJson({
    ...header,
    ciphertext: toBase64(sealed),
    nonce: toBase64(nonce),
  });
  return { publicKey: spki, recoveryKeySha256: fp, keyFile, shares };
}

interface KeyFile {
  readonly header: JsonObject;
  readonly recoveryKeySha256: string;
  readonly unlock: JsonObject;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

function obj(v: unknown, what: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new SealfoldError('KEY_BLOB_MALFORMED', `${what} is not a JSON object`);
  return v as JsonObject;
}

function readKeyFile(text: string): KeyFile {
  const o = obj(parseJson(text), 'the recovery key file');
  if (o.format !== KEY_FILE_FORMAT || typeof o.recoveryKeySha256 !== 'string')
    throw new SealfoldError('KEY_BLOB_MALFORMED', 'not a recovery key file');
  const unlock = obj(o.unlock, 'unlock');
  return {
    header: { format: o.format, recoveryKeySha256: o.recoveryKeySha256, unlock },
    recoveryKeySha256: o.recoveryKeySha256,
    unlock,
    nonce: fromBase64(String(o.nonce), 'nonce', 'KEY_BLOB_MALFORMED'),
    ciphertext: fromBase64(String(o.ciphertext), 'ciphertext', 'KEY_BLOB_MALFORMED'),
  };
}

function openWith(file: KeyFile, unlockKey: Uint8Array): Uint8Array {
  const pkcs8 = gcmOpen(unlockKey, file.nonce, file.ciphertext, utf8(canonicalJson(file.header)));
  const spki = new Uint8Array(
    createPublicKey(
      createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    ).export({
      format: 'der',
      type: 'spki',
    }),
  );
  // E2EE-RKEY-004 (MUST, client): the opened key is the one the file names.
  if (sha256Hex(spki) !== file.recoveryKeySha256)
    throw new SealfoldError(S, 'the key file opened to another key');
  return pkcs8;
}

/** The recovery private key (PKCS#8 DER) opened with the passphrase (E2EE-RKEY-004). */
export function openWithPassphrase(keyFile: string, passphrase: string): Uint8Array {
  const file = readKeyFile(keyFile);
  const p = file.unlock.passphrase;
  if (p === undefined) throw new SealfoldError(S, 'this key file has no passphrase unlock');
  const po = obj(p, 'unlock.passphrase');
  const kek = scryptKey(
    passphrase,
    fromBase64(String(po.salt), 'salt', 'KEY_BLOB_MALFORMED'),
    Number(po.N),
  );
  const ad = utf8(`${KEY_FILE_FORMAT}:passphrase:${file.recoveryKeySha256}`);
  const unlockKey = gcmOpen(
    kek,
    fromBase64(String(po.nonce), 'nonce', 'KEY_BLOB_MALFORMED'),
    fromBase64(String(po.wrappedKey), 'wrappedKey', 'KEY_BLOB_MALFORMED'),
    ad,
  );
  wipe(kek);
  try {
    return openWith(file, unlockKey);
  } finally {
    wipe(unlockKey);
  }
}

/** Options of {@link openWithShares}. */
export interface OpenWithSharesOptions {
  /**
   * Skip the count check against the recorded threshold (tests use it to show that the AEAD
   * check alone refuses fewer shares).
   */
  readonly skipThresholdCheck?: boolean;
}

/** The recovery private key opened with M shares (E2EE-RKEY-004). */
export async function openWithShares(
  keyFile: string,
  shareTexts: readonly string[],
  opts: OpenWithSharesOptions = {},
): Promise<Uint8Array> {
  const file = readKeyFile(keyFile);
  const meta = file.unlock.shares;
  if (meta === undefined) throw new SealfoldError(S, 'this key file has no share unlock');
  const threshold = Number(obj(meta, 'unlock.shares').threshold);
  const shares = shareTexts.map((t) => {
    const s = obj(parseJson(t), 'a share');
    if (s.format !== SHARE_FORMAT) throw new SealfoldError(S, 'not a recovery share');
    // E2EE-RKEY-004 (MUST, client): shares of another key are refused.
    if (s.recoveryKeySha256 !== file.recoveryKeySha256)
      throw new SealfoldError(S, 'a share belongs to another recovery key');
    return fromBase64(String(s.share), 'share', S);
  });
  if (new Set(shares.map((s) => toBase64(s))).size !== shares.length)
    throw new SealfoldError(S, 'a share is given twice');
  // E2EE-RKEY-004 (MUST, client): fewer shares than the threshold are refused.
  if (!opts.skipThresholdCheck && shares.length < threshold)
    throw new SealfoldError(S, `${shares.length} shares given, ${threshold} needed`);
  if (shares.length < 2) throw new SealfoldError(S, 'at least two shares are needed');
  const unlockKey = await combine(shares);
  try {
    return openWith(file, unlockKey);
  } finally {
    wipe(unlockKey);
  }
}

/** The fingerprint a key file names (no secret needed). */
export function keyFileFingerprint(keyFile: string): string {
  return readKeyFile(keyFile).recoveryKeySha256;
}
