/**
 * The recovery-key policy and its signed statement (spec/20-recovery-key.md §3): building them on
 * the administrator's offline machine, and checking them on a client against a trust anchor the
 * server cannot influence (invariant K5).
 *
 * The policy is canonical JSON; the statement carries its exact bytes in base64 with an Ed25519
 * signature over a domain-separated input, so no re-serialisation is ever needed to verify it.
 *
 * @module
 */
import { createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { equalBytes, fromBase64, sha256Hex, toBase64, utf8, fromUtf8 } from '../_internal/bytes.js';
import { canonicalJson, parseJson, type JsonObject } from '../_internal/json.js';
import { SealfoldError } from '../errors/index.js';

export const POLICY_FORMAT = 'sealfold-recovery-policy/1';
export const STATEMENT_FORMAT = 'sealfold-recovery-statement/1';
/** Prefix of the signed input: a signature over a policy is never valid for anything else. */
export const POLICY_SIGNATURE_CONTEXT = 'sealfold recovery policy v1';
/** Accepted RSA modulus sizes of a recovery key (E2EE-RKEY-001, E2EE-RKEY-010). */
export const RECOVERY_KEY_BITS = { min: 3072, max: 4096 } as const;

const P = 'RECOVERY_POLICY_INVALID';

/** A recovery policy (E2EE-RKEY-010). */
export interface RecoveryPolicy {
  readonly issuer: string;
  readonly notBefore: string;
  readonly purpose: string;
  /** SPKI DER of the RSA recovery key. */
  readonly recoveryKey: Uint8Array;
  readonly recoveryKeySha256: string;
  /** `['*']` or user ids. */
  readonly scopeUsers: readonly string[];
  readonly serial: number;
  readonly status: 'active' | 'retired';
}

/** A statement as served, checked for form and signature (not yet for its anchor). */
export interface RecoveryStatement {
  readonly text: string;
  readonly policy: RecoveryPolicy;
  readonly policyBytes: Uint8Array;
  /** hex SHA-256 of the policy bytes: what consents and wraps name. */
  readonly policySha256: string;
  /** SPKI DER of the Ed25519 policy signing key. */
  readonly signerKey: Uint8Array;
  readonly signerKeySha256: string;
}

/** The bytes an Ed25519 policy signature covers. */
export function policySignatureInput(policyBytes: Uint8Array): Uint8Array {
  const ctx = utf8(POLICY_SIGNATURE_CONTEXT);
  const out = new Uint8Array(ctx.length + 1 + policyBytes.length);
  out.set(ctx, 0);
  out.set(policyBytes, ctx.length + 1);
  return out;
}

/** The canonical policy bytes of `policy`. */
export function encodePolicy(policy: RecoveryPolicy): Uint8Array {
  const json: JsonObject = {
    format: POLICY_FORMAT,
    issuer: policy.issuer,
    notBefore: policy.notBefore,
    purpose: policy.purpose,
    recoveryKey: toBase64(policy.recoveryKey),
    recoveryKeySha256: sha256Hex(policy.recoveryKey),
    scope: { users: [...policy.scopeUsers] },
    serial: policy.serial,
    status: policy.status,
  };
  return utf8(canonicalJson(json));
}

/**
 * Signs `policy` with the administrator's Ed25519 key and returns the statement text.
 * Runs on the offline machine (`sealfold recovery-key new`).
 */
export function signStatement(policy: RecoveryPolicy, signingKey: KeyObject): string {
  if (signingKey.asymmetricKeyType !== 'ed25519')
    throw new SealfoldError('KEY_UNSUPPORTED', 'the policy signing key must be Ed25519');
  const policyBytes = encodePolicy(policy);
  // Check our own output with the reader's rules before anyone sees it.
  parsePolicy(policyBytes);
  const signature = edSign(null, policySignatureInput(policyBytes), signingKey);
  const signerKey = createPublicKey(signingKey).export({ format: 'der', type: 'spki' });
  return canonicalJson({
    format: STATEMENT_FORMAT,
    policy: toBase64(policyBytes),
    signature: toBase64(new Uint8Array(signature)),
    signerKey: toBase64(new Uint8Array(signerKey)),
  });
}

function str(o: JsonObject, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '')
    throw new SealfoldError(P, `the recovery policy member ${k} must be a non-empty string`);
  return v;
}

function b64(o: JsonObject, k: string): Uint8Array {
  return fromBase64(str(o, k), k, P);
}

function exactMembers(o: JsonObject, names: readonly string[], what: string): void {
  const keys = Object.keys(o).sort();
  if (keys.join(',') !== [...names].sort().join(','))
    throw new SealfoldError(P, `the ${what} must have exactly the members ${names.join(', ')}`);
}

function asObject(text: string, what: string): JsonObject {
  let v: unknown;
  try {
    v = parseJson(text);
  } catch (e) {
    throw new SealfoldError(P, `the ${what} is not JSON`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new SealfoldError(P, `the ${what} is not a JSON object`);
  return v as JsonObject;
}

function rsaBits(spki: Uint8Array): number {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new SealfoldError(P, 'the recovery key is not an SPKI public key', { cause: e });
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new SealfoldError(P, 'the recovery key is not an RSA key');
  // E2EE-RKEY-010 (MUST, client): one encoding per key (see parseStatement).
  if (!equalBytes(new Uint8Array(key.export({ format: 'der', type: 'spki' })), spki))
    throw new SealfoldError(P, 'the recovery key is not in canonical DER');
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}

/** Parses and checks policy bytes (E2EE-RKEY-010). */
export function parsePolicy(policyBytes: Uint8Array): RecoveryPolicy {
  const text = fromUtf8(policyBytes, 'recovery policy', P);
  const o = asObject(text, 'recovery policy');
  exactMembers(
    o,
    [
      'format',
      'issuer',
      'notBefore',
      'purpose',
      'recoveryKey',
      'recoveryKeySha256',
      'scope',
      'serial',
      'status',
    ],
    'recovery policy',
  );
  // E2EE-RKEY-010 (MUST, client): one byte form only, so that a digest names one policy.
  if (canonicalJson(o) !== text)
    throw new SealfoldError(P, 'the recovery policy is not in canonical form');
  if (o.format !== POLICY_FORMAT) throw new SealfoldError(P, 'unknown recovery policy format');
  const recoveryKey = b64(o, 'recoveryKey');
  // E2EE-RKEY-010 (MUST, client): the fingerprint is the key's, not a claim beside it.
  if (str(o, 'recoveryKeySha256') !== sha256Hex(recoveryKey))
    throw new SealfoldError(P, 'recoveryKeySha256 is not the SHA-256 of recoveryKey');
  const bits = rsaBits(recoveryKey);
  // E2EE-RKEY-010 (MUST, client): RSA of 3072 to 4096 bits only.
  if (bits < RECOVERY_KEY_BITS.min || bits > RECOVERY_KEY_BITS.max)
    throw new SealfoldError(P, `the recovery key has ${bits} bits`);
  const serial = o.serial;
  if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 1)
    throw new SealfoldError(P, 'the recovery policy serial must be an integer ≥ 1');
  const status = o.status;
  if (status !== 'active' && status !== 'retired')
    throw new SealfoldError(P, 'the recovery policy status must be active or retired');
  const notBefore = str(o, 'notBefore');
  if (Number.isNaN(Date.parse(notBefore)) || !notBefore.endsWith('Z'))
    throw new SealfoldError(P, 'notBefore must be an RFC 3339 UTC time');
  const scope = o.scope;
  if (scope === null || typeof scope !== 'object' || Array.isArray(scope))
    throw new SealfoldError(P, 'scope must be an object');
  exactMembers(scope, ['users'], 'recovery policy scope');
  const users = scope.users;
  if (
    !Array.isArray(users) ||
    users.length === 0 ||
    users.some((u) => typeof u !== 'string' || u === '')
  )
    throw new SealfoldError(P, 'scope.users must be a non-empty array of user ids');
  return Object.freeze({
    issuer: str(o, 'issuer'),
    notBefore,
    purpose: str(o, 'purpose'),
    recoveryKey,
    recoveryKeySha256: sha256Hex(recoveryKey),
    scopeUsers: Object.freeze([...(users as string[])]),
    serial,
    status,
  });
}

/**
 * Parses a statement and verifies its signature under the key it names (E2EE-RKEY-010). Whether
 * that key (or the recovery key) is trusted is {@link checkAnchor}'s question.
 */
export function parseStatement(text: string): RecoveryStatement {
  if (typeof text !== 'string') throw new TypeError('"text" must be a string');
  const o = asObject(text, 'recovery statement');
  if (o.format !== STATEMENT_FORMAT)
    throw new SealfoldError(P, 'unknown recovery statement format');
  // E2EE-RKEY-010 (MUST, client): an unsigned statement is no statement.
  if (o.signature === undefined || o.signature === '')
    throw new SealfoldError(P, 'the recovery statement is not signed');
  exactMembers(o, ['format', 'policy', 'signature', 'signerKey'], 'recovery statement');
  const policyBytes = b64(o, 'policy');
  const signature = b64(o, 'signature');
  const signerKey = b64(o, 'signerKey');
  let signer: KeyObject;
  try {
    signer = createPublicKey({ key: Buffer.from(signerKey), format: 'der', type: 'spki' });
  } catch (e) {
    throw new SealfoldError(P, 'signerKey is not an SPKI public key', { cause: e });
  }
  if (signer.asymmetricKeyType !== 'ed25519')
    throw new SealfoldError(P, 'the policy signing key is not Ed25519');
  // E2EE-RKEY-010 (MUST, client): one encoding per key, so that a fingerprint names one key
  // (OpenSSL also reads SPKI with stray bits in the BIT STRING's unused-bits octet).
  if (!equalBytes(new Uint8Array(signer.export({ format: 'der', type: 'spki' })), signerKey))
    throw new SealfoldError(P, 'signerKey is not in canonical DER');
  // E2EE-RKEY-010 (MUST, client): the signature verifies over the domain-separated policy bytes.
  if (!edVerify(null, policySignatureInput(policyBytes), signer, signature))
    throw new SealfoldError(P, 'the recovery policy signature does not verify');
  const policy = parsePolicy(policyBytes);
  return Object.freeze({
    text,
    policy,
    policyBytes,
    policySha256: sha256Hex(policyBytes),
    signerKey,
    signerKeySha256: sha256Hex(signerKey),
  });
}

/** What a client got outside the server (E2EE-RKEY-808): at least one fingerprint. */
export interface RecoveryTrustAnchor {
  /** hex SHA-256 of the administrator's policy signing key (SPKI DER), pinned at enrolment. */
  readonly signerKeySha256?: string;
  /** hex SHA-256 of the recovery key (SPKI DER) the user confirmed out of band. */
  readonly recoveryKeySha256?: string;
}

/** Refuses a statement its anchor does not cover (E2EE-RKEY-808, E2EE-RKEY-809). */
export function checkAnchor(st: RecoveryStatement, anchor: RecoveryTrustAnchor | undefined): void {
  const bySigner =
    anchor?.signerKeySha256 !== undefined &&
    anchor.signerKeySha256.toLowerCase() === st.signerKeySha256;
  const byKey =
    anchor?.recoveryKeySha256 !== undefined &&
    anchor.recoveryKeySha256.toLowerCase() === st.policy.recoveryKeySha256;
  // E2EE-RKEY-808, E2EE-RKEY-809 (MUST, client): only an anchor from outside the server makes a
  // statement trusted; without any anchor nothing is.
  if (!bySigner && !byKey)
    throw new SealfoldError(P, 'the recovery statement is not anchored outside the server');
}

/** True when the policy gives `userId` a recovery recipient at `now` (E2EE-RKEY-012). */
export function policyApplies(policy: RecoveryPolicy, userId: string, now: Date): boolean {
  // E2EE-RKEY-012 (MUST NOT, client): retired, not yet valid or out-of-scope policies wrap nothing.
  if (policy.status !== 'active') return false;
  if (Date.parse(policy.notBefore) > now.getTime()) return false;
  return policy.scopeUsers.includes('*') || policy.scopeUsers.includes(userId);
}
