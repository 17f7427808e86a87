/**
 * The PKCS#11 backend of the CA signer port, on SoftHSM2: the CA's RSA-2048 key is generated
 * inside a token, is marked sensitive and non-extractable, and every signature is made by the
 * token (CKM_SHA256_RSA_PKCS). The server only ever holds the public key.
 *
 * Layout: `<dir>/softhsm2.conf` and `<dir>/tokens/` (project-owned, E2EE-CERT-073); `dir` is under
 * the server's data directory, or a fresh temporary directory that `close()` removes when the server
 * runs in memory. The token is found by its label and initialised when none carries it
 * (E2EE-CERT-074, E2EE-CERT-075); the key pair is found by its label, or generated in the token
 * (E2EE-CERT-070) and then found again on every restart (E2EE-CERT-076).
 *
 * Spec: `spec/15-hsm.md` (E2EE-CERT-070..080).
 *
 * @example
 * ```ts
 * const ca = await openSoftHsmCa({ dir: 'data/ca-softhsm', userPin: '1234', soPin: '5678' });
 * const sig = await ca.signSha256Rsa(tbsDer); // made inside the token
 * await ca.close();
 * ```
 *
 * @module
 */
import type { CaSigner } from './signer.js';
// Tests outside the CA folder ask whether SoftHSM is installed without reaching into its internals;
// the transparency log's key (log-tree/hsm-key.ts) opens a token of its own with the same plumbing.
export {
  ckrName,
  findSoftHsmLibrary,
  findTokenSlot,
  initToken,
  isCkr,
  writeSoftHsmConfig,
} from './_softhsm-token.js';
import { createPublicKey, createVerify, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import { abytes } from '../../../reference/src/bytes/index.js';
import {
  TOKEN_LABEL_MAX,
  ckrName,
  findSoftHsmLibrary,
  findTokenSlot,
  initToken,
  loadSoftHsm,
  writeSoftHsmConfig,
} from './_softhsm-token.js';

/** Options of {@link openSoftHsmCa}; `config.ts` fills them from the server's configuration. */
export interface SoftHsmCaOptions {
  /** Directory for `softhsm2.conf` and `tokens/`; a temporary one (removed on close) if absent. */
  dir?: string;
  /** Token user PIN (4–255 characters, SoftHSM's limits). */
  userPin: string;
  /** Token security-officer PIN, used only to initialise a new token. */
  soPin: string;
  /** Token label, printable ASCII, at most 32 characters. Default `sealfold-ca`. */
  tokenLabel?: string;
  /** Label (and CKA_ID source) of the CA key pair. Default `sealfold-ca-key`. */
  keyLabel?: string;
  /** Path of the PKCS#11 module; default: the first of SOFTHSM_LIBRARY_CANDIDATES that exists. */
  library?: string;
}

/** The signer returned by {@link openSoftHsmCa}. */
export interface SoftHsmCaSigner extends CaSigner {
  readonly kind: 'softhsm';
  /** Whether this open created the token and the key (false when both were found). */
  readonly created: boolean;
  /** The directory holding the configuration and the token. */
  readonly dir: string;
}

export const DEFAULT_TOKEN_LABEL = 'sealfold-ca';
export const DEFAULT_KEY_LABEL = 'sealfold-ca-key';
/** Like Nextcloud's server identity key (`IdentityProof\Manager`): RSA-2048, e = 65537. */
export const CA_KEY_BITS = 2048;
const PUBLIC_EXPONENT = Buffer.from([0x01, 0x00, 0x01]);

const LABEL_RE = /^[\x20-\x7e]{1,32}$/;

function checkOptions(o: SoftHsmCaOptions): Required<Omit<SoftHsmCaOptions, 'dir' | 'library'>> {
  const tokenLabel = o.tokenLabel ?? DEFAULT_TOKEN_LABEL;
  const keyLabel = o.keyLabel ?? DEFAULT_KEY_LABEL;
  for (const [name, v] of [
    ['tokenLabel', tokenLabel],
    ['keyLabel', keyLabel],
  ] as const) {
    if (typeof v !== 'string' || !LABEL_RE.test(v) || v !== v.trim()) {
      throw new SealfoldError(
        'INPUT_MALFORMED',
        `"${name}" must be 1–${TOKEN_LABEL_MAX} printable ASCII characters without outer spaces`,
      );
    }
  }
  for (const name of ['userPin', 'soPin'] as const) {
    const v = o[name];
    // SoftHSM accepts PINs of 4..255 bytes; the value itself never appears in a message.
    if (typeof v !== 'string' || v.length < 4 || v.length > 255) {
      throw new SealfoldError('INPUT_MALFORMED', `"${name}" must be a string of 4–255 characters`);
    }
  }
  return { tokenLabel, keyLabel, userPin: o.userPin, soPin: o.soPin };
}

/** One attribute of an object as a Buffer. */
function attr(p11: pkcs11js.PKCS11, s: pkcs11js.Handle, h: pkcs11js.Handle, type: number): Buffer {
  return p11.C_GetAttributeValue(s, h, [{ type }])[0]!.value;
}

/** Boolean attribute (CK_BBOOL, one byte). */
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
    return p11.C_FindObjects(session, 16);
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

/** E2EE-CERT-070: generates the CA key pair inside the token; the private half never leaves it. */
function generateKeyPair(p11: pkcs11js.PKCS11, session: pkcs11js.Handle, label: string): void {
  const id = randomBytes(16);
  p11.C_GenerateKeyPair(
    session,
    { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
    [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_ENCRYPT, value: false },
      { type: pkcs11js.CKA_WRAP, value: false },
      { type: pkcs11js.CKA_MODULUS_BITS, value: CA_KEY_BITS },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: PUBLIC_EXPONENT },
    ],
    [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
      // E2EE-CERT-071 (MUST, server): the private key is sensitive and non-extractable.
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: false },
      { type: pkcs11js.CKA_UNWRAP, value: false },
    ],
  );
}

/** The DER SubjectPublicKeyInfo for a modulus and exponent (via JWK, node:crypto). */
function spkiFromRsa(modulus: Buffer, exponent: Buffer): Uint8Array {
  const key = createPublicKey({
    key: { kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url') },
    format: 'jwk',
  });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/**
 * Finds the CA key pair by label (creating it when `allowCreate`) and checks it: exactly one
 * private and one public key, RSA-2048, the private key sensitive, non-extractable and never
 * otherwise (E2EE-CERT-071, E2EE-CERT-072), the two halves sharing one modulus.
 */
function openKeyPair(
  p11: pkcs11js.PKCS11,
  session: pkcs11js.Handle,
  label: string,
  allowCreate: boolean,
): { priv: pkcs11js.Handle; spki: Uint8Array; modulusBytes: number; created: boolean } {
  const find = (cls: number) =>
    findObjects(p11, session, [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_LABEL, value: label },
    ]);
  let privs = find(pkcs11js.CKO_PRIVATE_KEY);
  let pubs = find(pkcs11js.CKO_PUBLIC_KEY);
  let created = false;
  if (privs.length === 0 && pubs.length === 0 && allowCreate) {
    generateKeyPair(p11, session, label);
    created = true;
    privs = find(pkcs11js.CKO_PRIVATE_KEY);
    pubs = find(pkcs11js.CKO_PUBLIC_KEY);
  }
  // E2EE-CERT-076 (MUST, server): exactly one key pair under the label; never pick one of several.
  if (privs.length !== 1 || pubs.length !== 1) {
    throw new SealfoldError(
      'SERVER_ERROR',
      `the token must hold exactly one private and one public key labelled "${label}", found ${privs.length} and ${pubs.length}`,
    );
  }
  const priv = privs[0]!;
  const pub = pubs[0]!;
  if (attr(p11, session, priv, pkcs11js.CKA_KEY_TYPE).readUIntLE(0, 1) !== pkcs11js.CKK_RSA) {
    throw new SealfoldError('KEY_UNSUPPORTED', `the CA key "${label}" is not an RSA key`);
  }
  // E2EE-CERT-072 (MUST, server): refuse a key that is, or ever was, readable outside the token.
  const sensitive =
    flag(p11, session, priv, pkcs11js.CKA_SENSITIVE) &&
    flag(p11, session, priv, pkcs11js.CKA_ALWAYS_SENSITIVE);
  const neverExtractable =
    !flag(p11, session, priv, pkcs11js.CKA_EXTRACTABLE) &&
    flag(p11, session, priv, pkcs11js.CKA_NEVER_EXTRACTABLE);
  if (!sensitive || !neverExtractable) {
    throw new SealfoldError(
      'KEY_UNSUPPORTED',
      `the CA key "${label}" is not sensitive and non-extractable since its generation in the token`,
    );
  }
  const modulus = attr(p11, session, pub, pkcs11js.CKA_MODULUS);
  const exponent = attr(p11, session, pub, pkcs11js.CKA_PUBLIC_EXPONENT);
  if (!modulus.equals(attr(p11, session, priv, pkcs11js.CKA_MODULUS))) {
    throw new SealfoldError('KEY_MISMATCH', `the two halves of the CA key "${label}" differ`);
  }
  // E2EE-CERT-080 (MUST, server): the CA key is RSA-2048, as Nextcloud's server key.
  if (modulus.length * 8 !== CA_KEY_BITS) {
    throw new SealfoldError('KEY_UNSUPPORTED', `the CA key "${label}" is not RSA-${CA_KEY_BITS}`);
  }
  return { priv, spki: spkiFromRsa(modulus, exponent), modulusBytes: modulus.length, created };
}

/**
 * Opens (initialising on first use) the SoftHSM2 token and the CA key in it.
 *
 * @param options directory, PINs, labels and module path; see {@link SoftHsmCaOptions}
 * @returns a {@link CaSigner} whose signatures are made inside the token
 * @throws SealfoldError UNSUPPORTED when no SoftHSM2 module is installed; INPUT_MALFORMED for bad
 *   labels or PINs; AUTH_FAILED for a wrong user PIN; KEY_UNSUPPORTED / KEY_MISMATCH /
 *   SERVER_ERROR when the token's key does not meet `spec/15-hsm.md`
 */
export async function openSoftHsmCa(options: SoftHsmCaOptions): Promise<SoftHsmCaSigner> {
  const { tokenLabel, keyLabel, userPin, soPin } = checkOptions(options);
  const library = options.library ?? findSoftHsmLibrary();
  if (library === undefined || !existsSync(library)) {
    throw new SealfoldError(
      'UNSUPPORTED',
      'SoftHSM2 is not installed (apt-get install softhsm2); use the software CA instead',
    );
  }
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sealfold-softhsm-'));
  let p11: pkcs11js.PKCS11;
  try {
    p11 = loadSoftHsm(library, writeSoftHsmConfig(dir));
  } catch (e) {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let session: pkcs11js.Handle | undefined;
  try {
    let slot = findTokenSlot(p11, tokenLabel);
    const newToken = slot === undefined;
    // E2EE-CERT-075 (MUST, server): initialise a token only when none carries the label.
    if (slot === undefined) slot = initToken(p11, tokenLabel, soPin, userPin);
    session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      p11.C_Login(session, pkcs11js.CKU_USER, userPin);
    } catch (e) {
      throw new SealfoldError(
        'AUTH_FAILED',
        `login to token "${tokenLabel}" failed (${ckrName(e)})`,
        {
          cause: e,
        },
      );
    }
    const pair = openKeyPair(p11, session, keyLabel, true);
    const signer = new TokenSigner(
      p11,
      slot,
      session,
      pair,
      dir,
      ownsDir,
      newToken || pair.created,
    );
    await signer.selfTest();
    return signer;
  } catch (e) {
    if (session !== undefined) p11.C_CloseSession(session);
    p11.C_Finalize();
    p11.close();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    if (e instanceof SealfoldError) throw e;
    throw new SealfoldError('SERVER_ERROR', `SoftHSM CA: ${ckrName(e)}`, { cause: e });
  }
}

class TokenSigner implements SoftHsmCaSigner {
  readonly kind = 'softhsm' as const;
  #p11: pkcs11js.PKCS11 | undefined;
  #session: pkcs11js.Handle;
  readonly #slot: pkcs11js.Handle;
  readonly #priv: pkcs11js.Handle;
  readonly #spki: Uint8Array;
  readonly #sigBytes: number;
  readonly #ownsDir: boolean;

  readonly dir: string;
  readonly created: boolean;

  constructor(
    p11: pkcs11js.PKCS11,
    slot: pkcs11js.Handle,
    session: pkcs11js.Handle,
    pair: { priv: pkcs11js.Handle; spki: Uint8Array; modulusBytes: number },
    dir: string,
    ownsDir: boolean,
    created: boolean,
  ) {
    this.#p11 = p11;
    this.#slot = slot;
    this.#session = session;
    this.#priv = pair.priv;
    this.#spki = pair.spki;
    this.#sigBytes = pair.modulusBytes;
    this.dir = dir;
    this.#ownsDir = ownsDir;
    this.created = created;
  }

  async publicKeySpki(): Promise<Uint8Array> {
    return this.#spki.slice();
  }

  async signSha256Rsa(data: Uint8Array): Promise<Uint8Array> {
    abytes(data, 'data');
    const p11 = this.#p11;
    if (p11 === undefined) throw new SealfoldError('SERVER_ERROR', 'the SoftHSM CA is closed');
    // Prepare every input before C_SignInit: an exception between C_SignInit and C_Sign would
    // leave the session with CKR_OPERATION_ACTIVE for every later call.
    const input = Buffer.from(data);
    const out = Buffer.alloc(this.#sigBytes);
    try {
      // E2EE-CERT-806, E2EE-CERT-807 (MUST, server): every CA signature is computed inside the
      // token; this process never holds the private key.
      p11.C_SignInit(this.#session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, this.#priv);
      // Multi-part, because C_Sign refuses empty input (CKR_ARGUMENTS_BAD for a NULL buffer).
      if (input.length > 0) p11.C_SignUpdate(this.#session, input);
      return new Uint8Array(p11.C_SignFinal(this.#session, out));
    } catch (e) {
      this.#renewSession();
      throw new SealfoldError('SERVER_ERROR', `the token refused to sign (${ckrName(e)})`, {
        cause: e,
      });
    }
  }

  /** After a failed operation, replace the session so no half-finished operation sticks to it. */
  #renewSession(): void {
    const p11 = this.#p11!;
    try {
      p11.C_CloseSession(this.#session);
    } catch {
      // The session may already be gone; a new one is opened below either way.
    }
    // PKCS#11 login state belongs to the application, so the new session is already logged in.
    this.#session = p11.C_OpenSession(
      this.#slot,
      pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
    );
  }

  /** E2EE-CERT-079: the private key in the token matches the public key the server publishes. */
  async selfTest(): Promise<void> {
    const probe = randomBytes(32);
    const sig = await this.signSha256Rsa(probe);
    const ok = createVerify('sha256')
      .update(probe)
      .verify({ key: Buffer.from(this.#spki), format: 'der', type: 'spki' }, sig);
    // E2EE-CERT-079 (MUST, server): refuse to start when the token key and its public key differ.
    if (!ok) throw new SealfoldError('KEY_MISMATCH', 'the token key does not match its public key');
  }

  async close(): Promise<void> {
    const p11 = this.#p11;
    if (p11 === undefined) return;
    this.#p11 = undefined;
    try {
      p11.C_CloseSession(this.#session);
      p11.C_Finalize();
    } finally {
      p11.close();
      if (this.#ownsDir) rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
