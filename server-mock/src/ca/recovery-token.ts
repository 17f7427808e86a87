/**
 * The administrator recovery key held in a PKCS#11 token (spec/20-recovery-key.md §2.1): the
 * RSA-3072 recovery key pair is generated inside a SoftHSM2 token that is not the CA's, its
 * private half is sensitive and never extractable, and the recovery tool unwraps folder keys
 * with it through the token. Only the offline `sealfold recovery-key new|open --hsm` uses this
 * module; the server never loads it. It lives beside the CA's token plumbing, which it reuses.
 *
 * SoftHSM 2.6.1 refuses CKM_RSA_PKCS_OAEP with SHA-256 (CKR_ARGUMENTS_BAD, measured), and the
 * recovery wrap is RSA-OAEP-SHA256 with a label (E2EE-RKEY-030). The token therefore computes
 * the raw RSA private operation (CKM_RSA_X_509, the only mechanism the key allows) and the
 * EME-OAEP decoding (SHA-256, MGF1-SHA-256, the wrap's label) runs on the host in node-forge.
 *
 * @example
 * ```ts
 * const made = await generateRecoveryKeyInToken({ dir, userPin, soPin });
 * const token = await openRecoveryToken({ dir, userPin }, made.recoveryKeySha256);
 * const key = await token.oaepDecrypt(wrapped, label); // RSA inside the token
 * await token.close();
 * ```
 *
 * @module
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import pkcs11js from 'pkcs11js';
import { sha256Hex } from '../../../reference/src/bytes/index.js';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import type { RecoveryDecrypter } from '../../../reference/src/recovery-key/index.js';
import {
  ckrName,
  findSoftHsmLibrary,
  findTokenSlot,
  initToken,
  loadSoftHsm,
  writeSoftHsmConfig,
} from './_softhsm-token.js';
import { DEFAULT_TOKEN_LABEL as CA_TOKEN_LABEL } from './softhsm.js';

export const DEFAULT_RECOVERY_TOKEN_LABEL = 'sealfold-recovery';
export const DEFAULT_RECOVERY_KEY_LABEL = 'sealfold-recovery-key';
/** E2EE-RKEY-001: the recovery key is RSA-3072, e = 65537, wherever it is generated. */
export const RECOVERY_KEY_BITS = 3072;
const PUBLIC_EXPONENT = Buffer.from([0x01, 0x00, 0x01]);
const LABEL_RE = /^[\x20-\x7e]{1,32}$/;

/** node-forge's EME-OAEP decoder (lib/pkcs1.js), which its published typings leave out. */
const pkcs1 = (
  forge as unknown as {
    pkcs1: {
      decode_rsa_oaep(
        key: forge.pki.rsa.PublicKey,
        em: string,
        options: {
          label: string;
          md: forge.md.MessageDigest;
          mgf1: { md: forge.md.MessageDigest };
        },
      ): string;
    };
  }
).pkcs1;

/** Where the token is and how to log in to it. */
export interface RecoveryTokenOptions {
  /** Directory for `softhsm2.conf` and `tokens/` (the same layout as the CA's, another place). */
  dir: string;
  /** Token user PIN (4–255 characters). */
  userPin: string;
  /** Token label; default `sealfold-recovery`. Never the CA's token label. */
  tokenLabel?: string;
  /** PKCS#11 module; default: the installed SoftHSM2. */
  library?: string;
}

/** Options of {@link generateRecoveryKeyInToken}. */
export interface GenerateInTokenOptions extends RecoveryTokenOptions {
  /** Security-officer PIN, used only when the token has to be initialised. */
  soPin?: string;
  /** Label of the new key pair; default `sealfold-recovery-key`. */
  keyLabel?: string;
}

/** A key pair made by {@link generateRecoveryKeyInToken}: only public values. */
export interface TokenRecoveryKey {
  /** SPKI DER of the RSA-3072 public key (what the policy publishes). */
  readonly publicKey: Uint8Array;
  readonly recoveryKeySha256: string;
  readonly tokenLabel: string;
  readonly keyLabel: string;
  /** Whether this call initialised the token. */
  readonly createdToken: boolean;
}

/** The recovery key in an open token session; {@link close} logs out and unloads the module. */
export interface RecoveryToken extends RecoveryDecrypter {
  readonly recoveryKeySha256: string;
  close(): Promise<void>;
}

function checkLabel(name: string, v: string): string {
  if (typeof v !== 'string' || !LABEL_RE.test(v) || v !== v.trim())
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `"${name}" must be 1–32 printable ASCII characters without outer spaces`,
    );
  return v;
}

function checkPin(name: string, v: unknown): string {
  // SoftHSM accepts PINs of 4..255 bytes; the value itself never appears in a message.
  if (typeof v !== 'string' || v.length < 4 || v.length > 255)
    throw new SealfoldError('INPUT_MALFORMED', `"${name}" must be a string of 4–255 characters`);
  return v;
}

function tokenLabelOf(o: RecoveryTokenOptions): string {
  const label = checkLabel('tokenLabel', o.tokenLabel ?? DEFAULT_RECOVERY_TOKEN_LABEL);
  // E2EE-RKEY-121 (MUST, client): never the CA's token, not even by accident of a default.
  if (label === CA_TOKEN_LABEL)
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `the recovery key must not live in the CA's token "${CA_TOKEN_LABEL}"`,
    );
  return label;
}

function attr(p11: pkcs11js.PKCS11, s: pkcs11js.Handle, h: pkcs11js.Handle, type: number): Buffer {
  return p11.C_GetAttributeValue(s, h, [{ type }])[0]!.value;
}

function flag(p11: pkcs11js.PKCS11, s: pkcs11js.Handle, h: pkcs11js.Handle, type: number): boolean {
  return attr(p11, s, h, type)[0] === 1;
}

function findObjects(
  p11: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  template: pkcs11js.Template,
): pkcs11js.Handle[] {
  p11.C_FindObjectsInit(session, template);
  try {
    // Bounded: a recovery token holds a handful of key pairs (one per rotation).
    return p11.C_FindObjects(session, 256);
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

function spkiFromRsa(modulus: Buffer, exponent: Buffer): Uint8Array {
  const key = createPublicKey({
    key: { kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url') },
    format: 'jwk',
  });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** CKA_ALLOWED_MECHANISMS is an array of CK_ULONG (8 bytes on the 64-bit platforms SoftHSM ships for). */
function mechanismList(...mechanisms: number[]): Buffer {
  const b = Buffer.alloc(8 * mechanisms.length);
  mechanisms.forEach((m, i) => b.writeBigUInt64LE(BigInt(m), 8 * i));
  return b;
}

/** A loaded module with a logged-in session on the token, and how to release both. */
interface Session {
  readonly p11: pkcs11js.PKCS11;
  readonly session: pkcs11js.Handle;
  readonly tokenLabel: string;
  readonly createdToken: boolean;
  release(): void;
}

function openSession(o: RecoveryTokenOptions, init: { soPin: string } | undefined): Session {
  const tokenLabel = tokenLabelOf(o);
  const userPin = checkPin('userPin', o.userPin);
  const library = o.library ?? findSoftHsmLibrary();
  if (library === undefined || !existsSync(library))
    throw new SealfoldError('UNSUPPORTED', 'SoftHSM2 is not installed (apt-get install softhsm2)');
  // Opening never creates a token directory: a mistyped --hsm-dir is NOT_FOUND, not a new one.
  if (init === undefined && !existsSync(join(o.dir, 'tokens')))
    throw new SealfoldError('NOT_FOUND', 'the token directory has no tokens/ folder');
  const p11 = loadSoftHsm(library, writeSoftHsmConfig(o.dir));
  let session: pkcs11js.Handle | undefined;
  const release = () => {
    try {
      if (session !== undefined) p11.C_CloseSession(session);
      p11.C_Finalize();
    } finally {
      p11.close();
    }
  };
  try {
    let slot = findTokenSlot(p11, tokenLabel);
    let createdToken = false;
    if (slot === undefined) {
      if (init === undefined)
        throw new SealfoldError('NOT_FOUND', `no token labelled "${tokenLabel}" in the directory`);
      slot = initToken(p11, tokenLabel, checkPin('soPin', init.soPin), userPin);
      createdToken = true;
    }
    session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      p11.C_Login(session, pkcs11js.CKU_USER, userPin);
    } catch (e) {
      // E2EE-RKEY-124 (MUST, client): a wrong PIN is AUTH_FAILED, and the PIN is never echoed.
      throw new SealfoldError(
        'AUTH_FAILED',
        `login to token "${tokenLabel}" failed (${ckrName(e)})`,
        {
          cause: e,
        },
      );
    }
    refuseSigningKeys(p11, session, tokenLabel);
    return { p11, session, tokenLabel, createdToken, release };
  } catch (e) {
    release();
    if (e instanceof SealfoldError) throw e;
    throw new SealfoldError('SERVER_ERROR', `recovery token: ${ckrName(e)}`, { cause: e });
  }
}

/**
 * A recovery token holds decrypt-only keys. A private key that can sign is some other key —
 * the CA's, when the CA's token directory and label were given — and the token is refused.
 */
function refuseSigningKeys(p11: pkcs11js.PKCS11, session: pkcs11js.Handle, label: string): void {
  const privs = findObjects(p11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  ]);
  // E2EE-RKEY-121 (MUST, client): a token with a signing key (the CA's) is not a recovery token.
  if (privs.some((h) => flag(p11, session, h, pkcs11js.CKA_SIGN)))
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `token "${label}" holds a signing key (the CA's token?); the recovery key needs a token of its own`,
    );
}

/**
 * Generates the recovery key pair inside the token (initialising the token when no token in
 * `dir` carries the label). The private key never leaves the token; the result is public.
 *
 * @throws SealfoldError INPUT_MALFORMED for bad labels or PINs, the CA's token label or a token
 *   holding a signing key; AUTH_FAILED for a wrong PIN; ALREADY_EXISTS when the key label is
 *   taken; UNSUPPORTED without SoftHSM2
 */
export async function generateRecoveryKeyInToken(
  opts: GenerateInTokenOptions,
): Promise<TokenRecoveryKey> {
  const keyLabel = checkLabel('keyLabel', opts.keyLabel ?? DEFAULT_RECOVERY_KEY_LABEL);
  const s = openSession(opts, opts.soPin !== undefined ? { soPin: opts.soPin } : undefined);
  const { p11, session } = s;
  try {
    const taken = findObjects(p11, session, [{ type: pkcs11js.CKA_LABEL, value: keyLabel }]);
    if (taken.length > 0)
      throw new SealfoldError(
        'ALREADY_EXISTS',
        `token "${s.tokenLabel}" already holds "${keyLabel}"`,
      );
    const id = randomBytes(16);
    let pair: pkcs11js.KeyPair;
    try {
      // E2EE-RKEY-120 (MUST, client): generated inside the token, never outside it.
      pair = p11.C_GenerateKeyPair(
        session,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_LABEL, value: keyLabel },
          { type: pkcs11js.CKA_ID, value: id },
          { type: pkcs11js.CKA_ENCRYPT, value: true },
          { type: pkcs11js.CKA_VERIFY, value: false },
          { type: pkcs11js.CKA_WRAP, value: false },
          { type: pkcs11js.CKA_MODULUS_BITS, value: RECOVERY_KEY_BITS },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: PUBLIC_EXPONENT },
        ],
        [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_LABEL, value: keyLabel },
          { type: pkcs11js.CKA_ID, value: id },
          // E2EE-RKEY-120 (MUST, client): sensitive and non-extractable from its generation on.
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          // E2EE-RKEY-122 (MUST, client): decrypt only, with raw RSA only (the host decodes OAEP).
          { type: pkcs11js.CKA_DECRYPT, value: true },
          { type: pkcs11js.CKA_SIGN, value: false },
          { type: pkcs11js.CKA_SIGN_RECOVER, value: false },
          { type: pkcs11js.CKA_UNWRAP, value: false },
          { type: pkcs11js.CKA_DERIVE, value: false },
          { type: pkcs11js.CKA_ALLOWED_MECHANISMS, value: mechanismList(pkcs11js.CKM_RSA_X_509) },
        ],
      );
    } catch (e) {
      throw new SealfoldError('SERVER_ERROR', `the token refused to generate (${ckrName(e)})`, {
        cause: e,
      });
    }
    const spki = spkiFromRsa(
      attr(p11, session, pair.publicKey, pkcs11js.CKA_MODULUS),
      attr(p11, session, pair.publicKey, pkcs11js.CKA_PUBLIC_EXPONENT),
    );
    return Object.freeze({
      publicKey: spki,
      recoveryKeySha256: sha256Hex(spki),
      tokenLabel: s.tokenLabel,
      keyLabel,
      createdToken: s.createdToken,
    });
  } finally {
    s.release();
  }
}

/**
 * The private key whose public key has fingerprint `recoveryKeySha256`, checked: RSA-3072,
 * sensitive and never extractable since generation, no signing.
 */
function findRecoveryKey(
  p11: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  recoveryKeySha256: string,
): { priv: pkcs11js.Handle; spki: Uint8Array; modulusBytes: number } {
  const privs = findObjects(p11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
  ]);
  const matches = privs.flatMap((priv) => {
    const modulus = attr(p11, session, priv, pkcs11js.CKA_MODULUS);
    const spki = spkiFromRsa(modulus, attr(p11, session, priv, pkcs11js.CKA_PUBLIC_EXPONENT));
    return sha256Hex(spki) === recoveryKeySha256
      ? [{ priv, spki, modulusBytes: modulus.length }]
      : [];
  });
  if (matches.length !== 1)
    throw new SealfoldError(
      matches.length === 0 ? 'KEY_MISMATCH' : 'INPUT_MALFORMED',
      matches.length === 0
        ? 'the token holds no private key for the policy’s recovery key'
        : 'the token holds the policy’s recovery key more than once',
    );
  const key = matches[0]!;
  // E2EE-RKEY-122 (MUST, client): only a key that never was readable outside the token.
  const sealed =
    flag(p11, session, key.priv, pkcs11js.CKA_SENSITIVE) &&
    flag(p11, session, key.priv, pkcs11js.CKA_ALWAYS_SENSITIVE) &&
    !flag(p11, session, key.priv, pkcs11js.CKA_EXTRACTABLE) &&
    flag(p11, session, key.priv, pkcs11js.CKA_NEVER_EXTRACTABLE);
  if (!sealed)
    throw new SealfoldError(
      'KEY_UNSUPPORTED',
      'the token’s recovery key is not sensitive and non-extractable since its generation',
    );
  if (key.modulusBytes * 8 !== RECOVERY_KEY_BITS)
    throw new SealfoldError('KEY_UNSUPPORTED', `the token’s key is not RSA-${RECOVERY_KEY_BITS}`);
  return key;
}

/**
 * Opens the token and finds the private key of the recovery key `recoveryKeySha256` (the
 * verified policy's). Keep it open for one recovery run, then {@link RecoveryToken.close}.
 *
 * @throws SealfoldError NOT_FOUND without such a token; AUTH_FAILED for a wrong PIN;
 *   KEY_MISMATCH when the token has no key for the fingerprint; KEY_UNSUPPORTED for a key that
 *   was ever extractable; INPUT_MALFORMED for the CA's token
 */
export async function openRecoveryToken(
  opts: RecoveryTokenOptions,
  recoveryKeySha256: string,
): Promise<RecoveryToken> {
  const s = openSession(opts, undefined);
  try {
    const key = findRecoveryKey(s.p11, s.session, recoveryKeySha256);
    return new OpenToken(s, key);
  } catch (e) {
    s.release();
    throw e;
  }
}

class OpenToken implements RecoveryToken {
  #s: Session | undefined;
  readonly #priv: pkcs11js.Handle;
  readonly #modulusBytes: number;
  readonly #forgeKey: forge.pki.rsa.PublicKey;
  readonly publicKey: Uint8Array;
  readonly recoveryKeySha256: string;

  constructor(s: Session, key: { priv: pkcs11js.Handle; spki: Uint8Array; modulusBytes: number }) {
    this.#s = s;
    this.#priv = key.priv;
    this.#modulusBytes = key.modulusBytes;
    this.publicKey = key.spki;
    this.recoveryKeySha256 = sha256Hex(key.spki);
    const asn1 = forge.asn1.fromDer(forge.util.binary.raw.encode(key.spki));
    this.#forgeKey = forge.pki.publicKeyFromAsn1(asn1) as forge.pki.rsa.PublicKey;
  }

  async oaepDecrypt(ciphertext: Uint8Array, label: Uint8Array): Promise<Uint8Array> {
    const s = this.#s;
    if (s === undefined) throw new SealfoldError('INPUT_MALFORMED', 'the recovery token is closed');
    if (ciphertext.length !== this.#modulusBytes)
      throw new SealfoldError('KEY_UNWRAP_FAILED', 'the wrap is not one RSA block of this key');
    // Every input is ready before C_DecryptInit, so nothing can throw between it and C_Decrypt.
    const input = Buffer.from(ciphertext);
    const out = Buffer.alloc(this.#modulusBytes);
    let raw: Buffer;
    try {
      // E2EE-RKEY-123 (MUST, client): the RSA private operation is computed inside the token.
      s.p11.C_DecryptInit(s.session, { mechanism: pkcs11js.CKM_RSA_X_509 }, this.#priv);
      raw = s.p11.C_Decrypt(s.session, input, out);
    } catch (e) {
      throw new SealfoldError('KEY_UNWRAP_FAILED', `the token refused to decrypt (${ckrName(e)})`, {
        cause: e,
      });
    }
    // Some tokens drop leading zero bytes of the integer; EME-OAEP needs the k-byte block.
    const em = Buffer.concat([Buffer.alloc(this.#modulusBytes - raw.length), raw]);
    try {
      // E2EE-RKEY-123 (MUST, client): EME-OAEP with SHA-256, MGF1-SHA-256 and the wrap's label.
      const decoded = pkcs1.decode_rsa_oaep(this.#forgeKey, forge.util.binary.raw.encode(em), {
        label: forge.util.binary.raw.encode(label),
        md: forge.md.sha256.create(),
        mgf1: { md: forge.md.sha256.create() },
      });
      return new Uint8Array(forge.util.binary.raw.decode(decoded));
    } catch (e) {
      throw new SealfoldError('KEY_UNWRAP_FAILED', undefined, { cause: e });
    } finally {
      em.fill(0);
      out.fill(0);
    }
  }

  async close(): Promise<void> {
    const s = this.#s;
    if (s === undefined) return;
    this.#s = undefined;
    s.release();
  }
}
