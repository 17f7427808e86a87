/**
 * Typed errors with stable codes.
 *
 * The closed list of codes is owned by the specification (`spec/01-errors.md`); `sealfold spec
 * check` fails when this list and the spec's table differ. Every rejection in the reference
 * client, the mock server and the conformance suite carries one of these codes, so harnesses
 * branch on `err.code` and never on message text.
 *
 * @module
 */

/** Every error code, in the order of the spec's table (E2EE-SEC-001). */
export const E2EE_CODES = [
  // Encoding and parsing.
  'INPUT_MALFORMED',
  'PEM_MALFORMED',
  'KEY_MALFORMED',
  'KEY_UNSUPPORTED',
  'CSR_MALFORMED',
  'CSR_INVALID',
  'CERT_MALFORMED',
  'MNEMONIC_INVALID',
  'KEY_BLOB_MALFORMED',
  'METADATA_MALFORMED',
  'METADATA_VERSION_UNSUPPORTED',
  'CIPHERTEXT_MALFORMED',
  'SIGNATURE_MALFORMED',
  'LOG_NOTE_MALFORMED',
  // Authentication.
  'AEAD_TAG_MISMATCH',
  'KEY_UNWRAP_FAILED',
  'SIGNATURE_MISSING',
  'SIGNATURE_INVALID',
  'CERT_UNTRUSTED',
  'CHECKSUM_MISMATCH',
  'LOG_SIGNATURE_INVALID',
  'LOG_PROOF_INVALID',
  // Policy.
  'KEY_MISMATCH',
  'CERT_USER_MISMATCH',
  'KEY_CHANGED',
  'SIGNER_NOT_MEMBER',
  'METADATA_KEY_MISSING',
  'METADATA_KEY_UNKNOWN',
  'KEY_CHECKSUM_REMOVED',
  'COUNTER_ROLLBACK',
  'DOWNGRADE',
  'COUNTER_IMPLAUSIBLE',
  'METADATA_MISPLACED',
  'RECIPIENT_NOT_AUTHORIZED',
  'FOLDER_DELETED',
  // The recovery-key extension (spec/20-recovery-key.md).
  'RECOVERY_POLICY_INVALID',
  'RECOVERY_KEY_CHANGED',
  'RECOVERY_WRAP_MISSING',
  'RECOVERY_SECRET_INVALID',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'LOG_ENTRY_MISSING',
  'LOG_ENTRY_SUPERSEDED',
  'LOG_INCONSISTENT',
  // Transport and server.
  'AUTH_FAILED',
  'FORBIDDEN',
  'LOCK_CONFLICT',
  'SERVER_RESPONSE_MALFORMED',
  'SERVER_ERROR',
  // The local environment (files, folders, sockets), for the command line and the servers.
  'IO_FAILED',
  'UNSUPPORTED',
] as const;

/** One of the spec's error codes. */
export type E2eeCode = (typeof E2EE_CODES)[number];

/** Messages that reveal nothing about why authentication failed (E2EE-SEC-002). */
const FIXED_MESSAGES: Partial<Record<E2eeCode, string>> = {
  AEAD_TAG_MISMATCH: 'authentication failed: the AES-GCM tag does not verify',
  KEY_UNWRAP_FAILED: 'authentication failed: the wrapped key cannot be unwrapped with this key',
  SIGNATURE_INVALID: 'signature verification failed',
};

/**
 * The one error type of Sealfold. `code` is stable and machine-readable; `message` is one clear
 * line for a person and never contains key material, mnemonics, passwords or plaintext.
 */
export class SealfoldError<C extends E2eeCode = E2eeCode> extends Error {
  readonly code: C;

  constructor(code: C, message?: string, options?: { cause?: unknown }) {
    super(message ?? FIXED_MESSAGES[code] ?? code, options);
    this.name = 'SealfoldError';
    this.code = code;
  }
}

/**
 * A SealfoldError of any one code, as a union of one member per code, so that `switch (e.code)`
 * or `if (e.code === 'COUNTER_ROLLBACK')` narrows `e` to `SealfoldError<'COUNTER_ROLLBACK'>`.
 * (`SealfoldError` alone has `code: E2eeCode` and does not narrow.)
 *
 * @example
 * ```ts
 * try { await openFolder(...); } catch (e) {
 *   if (!isSealfoldError(e)) throw e;
 *   switch (e.code) {
 *     case 'COUNTER_ROLLBACK': // e: SealfoldError<'COUNTER_ROLLBACK'>
 *   }
 * }
 * ```
 */
export type AnySealfoldError = { [C in E2eeCode]: SealfoldError<C> }[E2eeCode];

/** The codes whose message is fixed and reveals nothing about the secret data (E2EE-SEC-002). */
export const FIXED_MESSAGE_CODES = Object.freeze(
  Object.keys(FIXED_MESSAGES),
) as readonly E2eeCode[];

/**
 * True when `e` is a SealfoldError, optionally with the given code; narrows to
 * {@link AnySealfoldError}, or to `SealfoldError<C>` when a code is given.
 */
export function isSealfoldError(e: unknown): e is AnySealfoldError;
export function isSealfoldError<C extends E2eeCode>(e: unknown, code: C): e is SealfoldError<C>;
export function isSealfoldError(e: unknown, code?: E2eeCode): boolean {
  return e instanceof SealfoldError && (code === undefined || e.code === code);
}

/** True when `s` is one of the spec's error codes. */
export function isE2eeCode(s: unknown): s is E2eeCode {
  return typeof s === 'string' && (E2EE_CODES as readonly string[]).includes(s);
}

/**
 * Runs `fn` and turns any exception that is not already a SealfoldError into one with `code`.
 * Parsers wrap third-party decoders (asn1js, pkijs, zlib, JSON.parse) with it so that callers only
 * ever see typed errors (E2EE-SEC-001).
 */
export function typed<T>(code: E2eeCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SealfoldError) throw e;
    throw new SealfoldError(code, message, { cause: e });
  }
}

/** Async counterpart of {@link typed}. */
export async function typedAsync<T>(
  code: E2eeCode,
  message: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SealfoldError) throw e;
    throw new SealfoldError(code, message, { cause: e });
  }
}
