/**
 * The recovery policy, its statement, the trust anchor and the recovery wrap
 * (spec/20-recovery-key.md §3, §5).
 */
import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fromBase64, sha256Hex, toBase64 } from '../../src/_internal/bytes.js';
import { canonicalJson, type JsonObject } from '../../src/_internal/json.js';
import {
  checkAnchor,
  parseStatement,
  policyApplies,
  policySignatureInput,
  readRecoveryWrap,
  RECOVERY_MEMBER,
  recoveryWrapLabel,
  unwrapRecovery,
  wrapForRecovery,
} from '../../src/recovery-key/index.js';
import { adminKeys, statementFor } from './_fixtures.js';

const keys = adminKeys();
const anchor = { signerKeySha256: keys.signerKeySha256 };

function mutate(text: string, f: (o: Record<string, string>) => void): string {
  const o = JSON.parse(text) as Record<string, string>;
  f(o);
  return JSON.stringify(o);
}

describe('statement form and signature (E2EE-RKEY-010)', () => {
  it('E2EE-RKEY-010: a signed canonical statement parses and names its key', () => {
    const st = parseStatement(statementFor(keys));
    expect(st.policy.recoveryKeySha256).toBe(sha256Hex(keys.recoverySpki));
    expect(st.signerKeySha256).toBe(keys.signerKeySha256);
  });

  it('E2EE-RKEY-010: unsigned, badly signed, or re-signed without the context is refused', () => {
    const good = statementFor(keys);
    const unsigned = mutate(good, (o) => delete o.signature);
    expect(() => parseStatement(unsigned)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    const flipped = mutate(good, (o) => {
      const s = fromBase64(o.signature!, 's');
      s[0]! ^= 1;
      o.signature = toBase64(s);
    });
    expect(() => parseStatement(flipped)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    // A signature over the bare policy (no domain separation) is not a policy signature.
    const bare = mutate(good, (o) => {
      o.signature = toBase64(new Uint8Array(sign(null, fromBase64(o.policy!, 'p'), keys.signing)));
    });
    expect(() => parseStatement(bare)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    expect(policySignatureInput(new Uint8Array([1])).at(-2)).toBe(0);
  });

  it('E2EE-RKEY-010: a policy with a lying fingerprint, a short key or a bad serial is refused', () => {
    const small = adminKeys(2048);
    expect(() => parseStatement(statementFor(small))).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    expect(() => statementFor(keys, { serial: 0 })).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    // Re-sign a policy whose fingerprint names another key.
    const st = JSON.parse(statementFor(keys)) as Record<string, string>;
    const policy = JSON.parse(Buffer.from(st.policy!, 'base64').toString()) as Record<
      string,
      unknown
    >;
    policy.recoveryKeySha256 = '00'.repeat(32);
    const bytes = new TextEncoder().encode(canonicalJson(policy as JsonObject));
    st.policy = toBase64(bytes);
    st.signature = toBase64(new Uint8Array(sign(null, policySignatureInput(bytes), keys.signing)));
    expect(() => parseStatement(JSON.stringify(st))).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
  });

  it('E2EE-RKEY-010: any byte flip in the statement text is refused (property)', () => {
    const good = statementFor(keys);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 127 }), (i, x) => {
        const t =
          good.slice(0, i) + String.fromCharCode(good.charCodeAt(i) ^ x) + good.slice(i + 1);
        if (t === good) return;
        let ok = false;
        try {
          parseStatement(t);
          ok = true;
        } catch (e) {
          expect((e as { code?: string }).code).toBe('RECOVERY_POLICY_INVALID');
        }
        // Only base64 padding-insensitive flips could survive; there are none in canonical form.
        expect(ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});

describe('trust anchor (E2EE-RKEY-808, E2EE-RKEY-809) and applicability (E2EE-RKEY-012)', () => {
  it('E2EE-RKEY-808: E2EE-RKEY-809: a statement signed by another (server-made) key is refused without an anchor for it', () => {
    const server = adminKeys();
    const st = parseStatement(statementFor(server));
    expect(() => checkAnchor(st, anchor)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    expect(() => checkAnchor(parseStatement(statementFor(keys)), undefined)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    checkAnchor(parseStatement(statementFor(keys)), anchor);
    // A user-confirmed recovery-key fingerprint is an anchor too.
    checkAnchor(st, { recoveryKeySha256: st.policy.recoveryKeySha256 });
  });

  it('E2EE-RKEY-012: retired, future and out-of-scope policies give no recipient', () => {
    const now = new Date('2026-12-03T00:00:00Z');
    const p = (o: object) => parseStatement(statementFor(keys, o)).policy;
    expect(policyApplies(p({}), 'alice', now)).toBe(true);
    expect(policyApplies(p({ status: 'retired' }), 'alice', now)).toBe(false);
    expect(policyApplies(p({ notBefore: '2027-01-01T00:00:00Z' }), 'alice', now)).toBe(false);
    expect(policyApplies(p({ scopeUsers: ['bob'] }), 'alice', now)).toBe(false);
    expect(policyApplies(p({ scopeUsers: ['bob', 'alice'] }), 'alice', now)).toBe(true);
  });
});

describe('the recovery wrap (E2EE-RKEY-030)', () => {
  const target = {
    recoveryKey: keys.recoverySpki,
    recoveryKeySha256: sha256Hex(keys.recoverySpki),
    policySha256: 'ab'.repeat(32),
  };
  it('E2EE-RKEY-030: the wrap opens only with the label of its own folder', () => {
    const k = new Uint8Array(16).map((_, i) => i + 1);
    const member = wrapForRecovery(target, '4711', k);
    const wrap = readRecoveryWrap({ [RECOVERY_MEMBER]: member })!;
    expect(unwrapRecovery(keys.recoveryPkcs8, '4711', wrap)).toEqual(k);
    expect(() => unwrapRecovery(keys.recoveryPkcs8, '4712', wrap)).toThrow(
      expect.objectContaining({ code: 'KEY_UNWRAP_FAILED' }),
    );
  });
  it('E2EE-RKEY-033: a malformed member is METADATA_MALFORMED, an absent one nothing', () => {
    expect(readRecoveryWrap({})).toBeUndefined();
    expect(() => readRecoveryWrap({ [RECOVERY_MEMBER]: { policySha256: 'x' } })).toThrow(
      expect.objectContaining({ code: 'METADATA_MALFORMED' }),
    );
  });
});

describe('OpenSSL as independent verifier', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-rkey-openssl-'));
  const file = (name: string, data: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, data, { mode: 0o600 });
    return p;
  };

  it('E2EE-RKEY-030: openssl pkeyutl opens the wrap with the folder label, not with another', () => {
    const k = new Uint8Array(16).map((_, i) => 200 - i);
    const target = {
      recoveryKey: keys.recoverySpki,
      recoveryKeySha256: sha256Hex(keys.recoverySpki),
      policySha256: 'ab'.repeat(32),
    };
    const wrapped = readRecoveryWrap({ [RECOVERY_MEMBER]: wrapForRecovery(target, '4711', k) })!;
    const keyPem = createPrivateKey({
      key: Buffer.from(keys.recoveryPkcs8),
      format: 'der',
      type: 'pkcs8',
    }).export({ format: 'pem', type: 'pkcs8' });
    const args = (rootId: string) => [
      'pkeyutl',
      '-decrypt',
      '-inkey',
      file('key.pem', keyPem),
      '-in',
      file('wrap.bin', wrapped.encryptedMetadataKey),
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
      '-pkeyopt',
      'rsa_mgf1_md:sha256',
      '-pkeyopt',
      `rsa_oaep_label:${Buffer.from(recoveryWrapLabel(rootId)).toString('hex')}`,
    ];
    expect(new Uint8Array(execFileSync('openssl', args('4711')))).toEqual(k);
    expect(() => execFileSync('openssl', args('4712'), { stdio: 'pipe' })).toThrow();
  });

  it('E2EE-RKEY-010: openssl verifies the Ed25519 policy signature over the domain-separated input', () => {
    const st = JSON.parse(statementFor(keys)) as Record<string, string>;
    const input = policySignatureInput(fromBase64(st.policy!, 'policy'));
    const pub = createPublicKey({
      key: Buffer.from(fromBase64(st.signerKey!, 'k')),
      format: 'der',
      type: 'spki',
    }).export({ format: 'pem', type: 'spki' });
    const out = execFileSync('openssl', [
      'pkeyutl',
      '-verify',
      '-rawin',
      '-pubin',
      '-inkey',
      file('signer.pem', pub),
      '-in',
      file('input.bin', input),
      '-sigfile',
      file('sig.bin', fromBase64(st.signature!, 's')),
    ]).toString();
    expect(out).toMatch(/Signature Verified Successfully/);
  });
});
