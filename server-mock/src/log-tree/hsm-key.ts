/**
 * The log key in SoftHSM2 (spec/21 §1): an Ed25519 key pair generated inside a token of its own
 * (label `sealfold-log`, never the CA's token), the private half sensitive and non-extractable,
 * every checkpoint signature made by the token with CKM_EDDSA. SoftHSM 2.6.1 lists
 * CKM_EC_EDWARDS_KEY_PAIR_GEN (0x1055) and CKM_EDDSA (0x1057); pkcs11js 2.1.7 has no names for
 * them, so the numbers of PKCS#11 v3.0 are used.
 *
 * SoftHSM keeps one library instance per process, configured by the first C_Initialize. When the
 * CA already opened SoftHSM in this process, the log key uses that instance (its token directory)
 * and leaves C_Finalize to the CA; otherwise it initialises SoftHSM with `<dir>/softhsm2.conf`.
 * Open it after the CA and close it before.
 *
 * @example
 * ```ts
 * const key = openHsmLogKey({ origin, dir: 'data/tlog-softhsm', userPin, soPin });
 * signNote(text, [key]); // signed inside the token
 * key.close();
 * ```
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import * as asn1js from 'asn1js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import { ed25519NoteVerifier, type NoteSigner } from '../../../reference/src/log/index.js';
import { utf8 } from '../../../reference/src/bytes/index.js';
import {
  ckrName,
  findSoftHsmLibrary,
  findTokenSlot,
  initToken,
  isCkr,
  writeSoftHsmConfig,
} from '../ca/softhsm.js';

/** PKCS#11 v3.0 numbers (pkcs11t.h) that pkcs11js 2.1.7 does not name. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;
export const CKK_EC_EDWARDS = 0x40;
/** RFC 8410 id-Ed25519, the CKA_EC_PARAMS of an Ed25519 key. */
const ED25519_OID = '1.3.101.112';

export const LOG_TOKEN_LABEL = 'sealfold-log';
export const LOG_KEY_LABEL = 'sealfold-log-key';

export interface HsmLogKeyOptions {
  /** The log origin: the key's name in notes. */
  origin: string;
  /** Directory for `softhsm2.conf` and `tokens/` when this process has not opened SoftHSM yet. */
  dir: string;
  userPin: string;
  soPin: string;
  tokenLabel?: string;
  keyLabel?: string;
  library?: string;
}

/** A note signer whose key lives in the token. */
export interface HsmLogKey extends NoteSigner {
  readonly kind: 'softhsm';
  /** Whether this open generated the key (false when it was found). */
  readonly created: boolean;
  close(): void;
}

function p11Init(library: string, conf: string): { p11: pkcs11js.PKCS11; shared: boolean } {
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(library);
  } catch (e) {
    throw new SealfoldError('UNSUPPORTED', `cannot load the PKCS#11 module ${library}`, {
      cause: e,
    });
  }
  // SoftHSM reads SOFTHSM2_CONF once, inside C_Initialize: set it for that call only.
  const previous = process.env['SOFTHSM2_CONF'];
  process.env['SOFTHSM2_CONF'] = conf;
  try {
    p11.C_Initialize();
    return { p11, shared: false };
  } catch (e) {
    // The CA opened SoftHSM in this process: use that instance, and do not finalise it.
    if (isCkr(e, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) return { p11, shared: true };
    p11.close();
    throw new SealfoldError('SERVER_ERROR', `SoftHSM C_Initialize failed (${ckrName(e)})`, {
      cause: e,
    });
  } finally {
    if (previous === undefined) delete process.env['SOFTHSM2_CONF'];
    else process.env['SOFTHSM2_CONF'] = previous;
  }
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

function attr(p11: pkcs11js.PKCS11, s: pkcs11js.Handle, h: pkcs11js.Handle, type: number): Buffer {
  return p11.C_GetAttributeValue(s, h, [{ type }])[0]!.value;
}

/** Generates the Ed25519 pair inside the token; the private half is never readable. */
function generate(p11: pkcs11js.PKCS11, session: pkcs11js.Handle, label: string): void {
  const id = randomBytes(16);
  const params = Buffer.from(new asn1js.ObjectIdentifier({ value: ED25519_OID }).toBER());
  p11.C_GenerateKeyPair(
    session,
    { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
    [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_EC_PARAMS, value: params },
    ],
    [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
      // E2EE-LOG-123 (MUST, server): the log's private key is sensitive and non-extractable.
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
    ],
  );
}

/** The 32-byte public key of CKA_EC_POINT (a DER OCTET STRING around the RFC 8032 encoding). */
function publicKeyOf(point: Buffer): Uint8Array {
  const parsed = asn1js.fromBER(new Uint8Array(point));
  const raw =
    parsed.offset !== -1 && parsed.result instanceof asn1js.OctetString
      ? new Uint8Array(parsed.result.valueBlock.valueHexView)
      : new Uint8Array(point); // some tokens store the bare point
  if (raw.length !== 32)
    throw new SealfoldError('KEY_UNSUPPORTED', 'the token log key is not an Ed25519 key');
  return raw;
}

/**
 * Opens (creating on first use) the token and the log key, and checks with a probe signature,
 * verified with noble, that the token's key is the public key it reports.
 * @throws SealfoldError UNSUPPORTED (no SoftHSM, or no EdDSA in it), AUTH_FAILED (user PIN),
 *   KEY_UNSUPPORTED / KEY_MISMATCH / SERVER_ERROR
 */
export function openHsmLogKey(o: HsmLogKeyOptions): HsmLogKey {
  const library = o.library ?? findSoftHsmLibrary();
  if (library === undefined || !existsSync(library))
    throw new SealfoldError('UNSUPPORTED', 'SoftHSM2 is not installed (apt-get install softhsm2)');
  const tokenLabel = o.tokenLabel ?? LOG_TOKEN_LABEL;
  const keyLabel = o.keyLabel ?? LOG_KEY_LABEL;
  const { p11, shared } = p11Init(library, writeSoftHsmConfig(o.dir));
  const release = (session?: pkcs11js.Handle) => {
    if (session !== undefined) p11.C_CloseSession(session);
    if (!shared) p11.C_Finalize();
    p11.close();
  };
  let session: pkcs11js.Handle | undefined;
  try {
    const slot = findTokenSlot(p11, tokenLabel) ?? initToken(p11, tokenLabel, o.soPin, o.userPin);
    const mechanisms = p11.C_GetMechanismList(slot);
    if (!mechanisms.includes(CKM_EDDSA) || !mechanisms.includes(CKM_EC_EDWARDS_KEY_PAIR_GEN))
      throw new SealfoldError('UNSUPPORTED', 'the token offers no CKM_EDDSA');
    session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      p11.C_Login(session, pkcs11js.CKU_USER, o.userPin);
    } catch (e) {
      if (!isCkr(e, pkcs11js.CKR_USER_ALREADY_LOGGED_IN))
        throw new SealfoldError('AUTH_FAILED', `login to token "${tokenLabel}" failed`, {
          cause: e,
        });
    }
    const s = session;
    const find = (cls: number) =>
      findObjects(p11, s, [
        { type: pkcs11js.CKA_CLASS, value: cls },
        { type: pkcs11js.CKA_LABEL, value: keyLabel },
      ]);
    let created = false;
    if (find(pkcs11js.CKO_PRIVATE_KEY).length === 0 && find(pkcs11js.CKO_PUBLIC_KEY).length === 0) {
      generate(p11, s, keyLabel);
      created = true;
    }
    const privs = find(pkcs11js.CKO_PRIVATE_KEY);
    const pubs = find(pkcs11js.CKO_PUBLIC_KEY);
    if (privs.length !== 1 || pubs.length !== 1)
      throw new SealfoldError(
        'SERVER_ERROR',
        `the token must hold exactly one key pair labelled "${keyLabel}"`,
      );
    const priv = privs[0]!;
    // E2EE-LOG-123 (MUST, server): a key that is or ever was readable outside the token is refused.
    const flag = (t: number) => attr(p11, s, priv, t)[0] === 1;
    if (
      !flag(pkcs11js.CKA_SENSITIVE) ||
      !flag(pkcs11js.CKA_ALWAYS_SENSITIVE) ||
      flag(pkcs11js.CKA_EXTRACTABLE) ||
      !flag(pkcs11js.CKA_NEVER_EXTRACTABLE)
    )
      throw new SealfoldError('KEY_UNSUPPORTED', 'the log key is not non-extractable since birth');
    const publicKey = publicKeyOf(attr(p11, s, pubs[0]!, pkcs11js.CKA_EC_POINT));
    let open = true;
    const sign = (text: string): Uint8Array => {
      if (!open) throw new SealfoldError('SERVER_ERROR', 'the HSM log key is closed');
      const msg = Buffer.from(utf8(text));
      // E2EE-LOG-123 (MUST, server): every checkpoint signature is made inside the token.
      p11.C_SignInit(s, { mechanism: CKM_EDDSA }, priv);
      return new Uint8Array(p11.C_Sign(s, msg, Buffer.alloc(64)));
    };
    const probe = randomBytes(32).toString('hex');
    // E2EE-LOG-123: refuse to start when the token's signature does not verify under its key.
    if (!ed25519.verify(sign(probe), utf8(probe), publicKey))
      throw new SealfoldError('KEY_MISMATCH', 'the token log key does not match its public key');
    const verifier = ed25519NoteVerifier(o.origin, publicKey);
    return {
      kind: 'softhsm',
      created,
      name: o.origin,
      keyId: verifier.keyId,
      verifier,
      sign,
      close() {
        if (!open) return;
        open = false;
        release(s);
      },
    };
  } catch (e) {
    release(session);
    if (e instanceof SealfoldError) throw e;
    throw new SealfoldError('SERVER_ERROR', `SoftHSM log key: ${ckrName(e)}`, { cause: e });
  }
}
