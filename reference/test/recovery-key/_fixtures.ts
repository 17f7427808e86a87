/**
 * Shared material of the recovery-key tests: one RSA-3072 recovery key (from the test-key pool),
 * an administrator's Ed25519 policy signing key, and statement builders.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { sha256Hex } from '../../src/_internal/bytes.js';
import { signStatement, type RecoveryPolicy } from '../../src/recovery-key/index.js';
import { nextTestKeyOfSize } from '../_support/test-keys.js';

export interface AdminKeys {
  readonly signing: KeyObject;
  readonly signerKeySha256: string;
  readonly recoverySpki: Uint8Array;
  readonly recoveryPkcs8: Uint8Array;
}

export function adminKeys(bits = 3072): AdminKeys {
  const signing = generateKeyPairSync('ed25519').privateKey;
  const signerSpki = new Uint8Array(
    createPublicKey(signing).export({ format: 'der', type: 'spki' }),
  );
  const recoveryKey = nextTestKeyOfSize(bits);
  const rsa = { privateKey: recoveryKey, publicKey: createPublicKey(recoveryKey) };
  return {
    signing,
    signerKeySha256: sha256Hex(signerSpki),
    recoverySpki: new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' })),
    recoveryPkcs8: new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}

export function policyFor(
  recoveryKey: Uint8Array,
  over: Partial<RecoveryPolicy> = {},
): RecoveryPolicy {
  return {
    issuer: 'IT department',
    notBefore: '2026-01-01T00:00:00Z',
    purpose: 'recover files of departed employees',
    recoveryKey,
    recoveryKeySha256: sha256Hex(recoveryKey),
    scopeUsers: ['*'],
    serial: 1,
    status: 'active',
    ...over,
  };
}

export function statementFor(
  keys: AdminKeys,
  over: Partial<RecoveryPolicy> = {},
  signing = keys.signing,
): string {
  return signStatement(policyFor(over.recoveryKey ?? keys.recoverySpki, over), signing);
}
