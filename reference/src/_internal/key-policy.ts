/**
 * The user key policy (spec/02-keys.md, E2EE-KEY-001, E2EE-KEY-004) on parsed key objects, so
 * that callers holding a KeyObject (certificate validation, CSR creation) need not re-parse DER.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { SealfoldError } from '../errors/index.js';

/** E2EE-KEY-001: the modulus length writers generate. */
export const USER_KEY_BITS = 2048;
/** E2EE-KEY-001: the public exponent writers generate and readers require. */
export const USER_KEY_EXPONENT = 65537;
/** E2EE-KEY-004: the modulus lengths readers accept, inclusive. */
export const ACCEPTED_KEY_BITS = { min: 2048, max: 4096 } as const;

/** What {@link checkUserKeyObject} found. */
export interface RsaKeyInfo {
  kind: 'private' | 'public';
  modulusBits: number;
  publicExponent: number;
}

/**
 * Checks the key policy (E2EE-KEY-004) on a parsed key: RSA (rsaEncryption, not RSASSA-PSS),
 * modulus of 2048 to 4096 bits, public exponent 65537.
 *
 * @throws KEY_UNSUPPORTED when the key violates the policy.
 */
export function checkUserKeyObject(obj: KeyObject): RsaKeyInfo {
  const kind = obj.type === 'private' ? 'private' : 'public';
  // E2EE-KEY-004 (MUST, client): RSA with rsaEncryption only.
  if (obj.asymmetricKeyType !== 'rsa') {
    throw new SealfoldError('KEY_UNSUPPORTED', `expected an RSA key, got ${obj.asymmetricKeyType}`);
  }
  const d = obj.asymmetricKeyDetails ?? {};
  const bits = d.modulusLength ?? 0;
  const e = Number(d.publicExponent ?? 0n);
  // E2EE-KEY-004 (MUST, client): 2048 <= modulus bits <= 4096.
  if (bits < ACCEPTED_KEY_BITS.min || bits > ACCEPTED_KEY_BITS.max) {
    throw new SealfoldError(
      'KEY_UNSUPPORTED',
      `the RSA modulus must have ${ACCEPTED_KEY_BITS.min} to ${ACCEPTED_KEY_BITS.max} bits, got ${bits}`,
    );
  }
  // E2EE-KEY-004 (MUST, client): e = 65537.
  if (e !== USER_KEY_EXPONENT) {
    throw new SealfoldError('KEY_UNSUPPORTED', `the RSA public exponent must be 65537, got ${e}`);
  }
  return { kind, modulusBits: bits, publicExponent: e };
}
