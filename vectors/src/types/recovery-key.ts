/**
 * `recovery-wrap` and `recovery-policy` (primitives): the two byte formats of the recovery-key
 * extension (spec/20-recovery-key.md). A recovery wrap is RSA-OAEP-SHA-256 with the label
 * `sealfold recovery wrap v1:<root folder id>`, so a wrap of one folder does not open for another
 * and a member's empty-label wrap is no recovery wrap (E2EE-RKEY-030). A policy statement is
 * valid only in canonical form, signed under the domain-separated input, and anchored by the
 * group's policy-signer fingerprint (E2EE-RKEY-010, E2EE-RKEY-808).
 *
 * @module
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256Hex, toBase64 } from '../../../reference/src/_internal/bytes.js';
import { canonicalJson, type JsonObject } from '../../../reference/src/_internal/json.js';
import { privateKeyFromPem } from '../../../reference/src/keys/index.js';
import {
  checkAnchor,
  encodePolicy,
  parseStatement,
  policySignatureInput,
  recoveryWrapLabel,
  RECOVERY_MEMBER,
  readRecoveryWrap,
  signStatement,
  unwrapRecovery,
  type RecoveryPolicy,
} from '../../../reference/src/recovery-key/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { flip, hex, unhex } from '../repr.js';
import { oaepWrapSeeded } from '../oaep.js';
import { verdict, type VectorType } from '../vector-type.js';
import forge from 'node-forge';
import type { Rng } from '../../../reference/src/_internal/bytes.js';

/** OAEP-SHA-256/MGF1-SHA-256 with a label and a seed from `rng` (node-forge takes both). */
function labelledWrap(spki: Uint8Array, key: Uint8Array, label: Uint8Array, rng: Rng): Uint8Array {
  const pub = forge.pki.publicKeyFromAsn1(
    forge.asn1.fromDer(forge.util.binary.raw.encode(spki)),
  ) as forge.pki.rsa.PublicKey;
  const ct = pub.encrypt(forge.util.binary.raw.encode(key), 'RSA-OAEP', {
    md: forge.md.sha256.create(),
    mgf1: { md: forge.md.sha256.create() },
    label: forge.util.binary.raw.encode(label),
    seed: forge.util.binary.raw.encode(rng(32)),
  });
  return new Uint8Array(forge.util.binary.raw.decode(ct));
}

const WRAP = 'recovery-wrap';

export const recoveryWrap: VectorType = {
  type: WRAP,
  family: 'primitives',
  inFields: ['rootId', 'member'],
  outFields: ['keyHex'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(WRAP);
    const b = new VectorFileBuilder(
      WRAP,
      ctx.source,
      [
        `Unwrap the ${RECOVERY_MEMBER} member of a root metadata document with the recovery private`,
        'key (params.privateKeyPemWire) for folder in.rootId: RSA-OAEP-SHA-256, MGF1-SHA-256, label',
        "'sealfold recovery wrap v1:' + rootId. Any failure is KEY_UNWRAP_FAILED.",
      ],
      {
        OtherFolder: {
          bugType: 'AUTH_BYPASS',
          description: 'A wrap of another folder spliced into this one (label of the other id).',
          requirements: ['E2EE-RKEY-030'],
        },
        EmptyLabel: {
          bugType: 'CAN_OF_WORMS',
          description: 'A member-style wrap (empty label) is not a recovery wrap.',
          requirements: ['E2EE-RKEY-030'],
        },
        ModifiedCiphertext: {
          bugType: 'AUTH_BYPASS',
          description: 'The wrapped key was modified.',
          requirements: ['E2EE-RKEY-030'],
        },
      },
    );
    const k = ctx.key('rsa3072');
    b.group({ privateKeyPemWire: k.pem, recoveryKeySha256: sha256Hex(k.spki) });
    const member = (wrapped: Uint8Array) => ({
      encryptedMetadataKey: toBase64(wrapped),
      policySha256: hex(rng(32)),
      recoveryKeySha256: sha256Hex(k.spki),
    });
    for (const rootId of ['4711', '100', 'a-long-folder-id-0123456789']) {
      const key = rng(16);
      b.add({
        slug: `wrap-${rootId}`,
        comment: 'the metadata key of this folder, wrapped with its label',
        requirements: ['E2EE-RKEY-030'],
        in: { rootId, member: member(labelledWrap(k.spki, key, recoveryWrapLabel(rootId), rng)) },
        expect: { result: 'valid', keyHex: hex(key) },
      });
    }
    const key = rng(16);
    const good = labelledWrap(k.spki, key, recoveryWrapLabel('4711'), rng);
    const bad: [string, string, string, Uint8Array][] = [
      [
        'spliced-from-4712',
        'OtherFolder',
        '4711',
        labelledWrap(k.spki, key, recoveryWrapLabel('4712'), rng),
      ],
      ['empty-label', 'EmptyLabel', '4711', oaepWrapSeeded(k.spki, key, rng)],
      ['flipped-first-byte', 'ModifiedCiphertext', '4711', flip(good, 0)],
      ['flipped-last-byte', 'ModifiedCiphertext', '4711', flip(good, good.length - 1)],
    ];
    for (const [slug, flag, rootId, wrapped] of bad)
      b.add({
        slug,
        comment: `does not unwrap: ${slug}`,
        flags: [flag],
        requirements: ['E2EE-RKEY-030'],
        in: { rootId, member: member(wrapped) },
        expect: { result: 'invalid', error: 'KEY_UNWRAP_FAILED' },
      });
    return b.file;
  },
  async run(test, group) {
    const pkcs8 = privateKeyFromPem(group.params.privateKeyPemWire as string);
    const t = test.in as { rootId: string; member: Record<string, unknown> };
    return verdict(() => {
      const wrap = readRecoveryWrap({ [RECOVERY_MEMBER]: t.member })!;
      return { keyHex: hex(unwrapRecovery(pkcs8, t.rootId, wrap)) };
    });
  },
};

const POLICY = 'recovery-policy';

/** A deterministic Ed25519 key from 32 seed bytes (noble derives the public half). */
function ed25519Key(seed: Uint8Array): KeyObject {
  const b64u = (u: Uint8Array) => Buffer.from(u).toString('base64url');
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64u(seed), x: b64u(ed25519.getPublicKey(seed)) },
    format: 'jwk',
  });
}

function signedWith(policyBytes: Uint8Array, seed: Uint8Array, input: Uint8Array): JsonObject {
  const pub = ed25519.getPublicKey(seed);
  // SPKI of an Ed25519 key: the fixed 12-byte prefix and the 32-byte key (RFC 8410).
  const spki = new Uint8Array([...unhex('302a300506032b6570032100'), ...pub]);
  return {
    format: 'sealfold-recovery-statement/1',
    policy: toBase64(policyBytes),
    signature: toBase64(ed25519.sign(input, seed)),
    signerKey: toBase64(spki),
  };
}

export const recoveryPolicy: VectorType = {
  type: POLICY,
  family: 'primitives',
  inFields: ['statement'],
  outFields: ['recoveryKeySha256', 'serial', 'policySha256'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(POLICY);
    const b = new VectorFileBuilder(
      POLICY,
      ctx.source,
      [
        'Parse a recovery-key statement (in.statement, exact text) and check it against the',
        "group's anchor (params.signerKeySha256): canonical policy, Ed25519 signature over",
        "'sealfold recovery policy v1' ‖ 0x00 ‖ policy bytes. Any failure is RECOVERY_POLICY_INVALID.",
      ],
      {
        Unsigned: {
          bugType: 'AUTH_BYPASS',
          description: 'No signature.',
          requirements: ['E2EE-RKEY-010'],
        },
        BadSignature: {
          bugType: 'AUTH_BYPASS',
          description: 'A signature that does not verify over the domain-separated input.',
          requirements: ['E2EE-RKEY-010'],
        },
        NotAnchored: {
          bugType: 'AUTH_BYPASS',
          description: 'Validly signed, by a key the anchor does not name (a server-made policy).',
          requirements: ['E2EE-RKEY-808'],
        },
        NonCanonical: {
          bugType: 'CAN_OF_WORMS',
          description: 'Policy bytes or key encodings that are not the one canonical form.',
          requirements: ['E2EE-RKEY-010'],
        },
        WrongKey: {
          bugType: 'BASIC',
          description: 'A recovery key outside the profile, or a fingerprint that is not its own.',
          requirements: ['E2EE-RKEY-010'],
        },
      },
    );
    const adminSeed = rng(32);
    const admin = ed25519Key(adminSeed);
    const adminSpki = new Uint8Array([
      ...unhex('302a300506032b6570032100'),
      ...ed25519.getPublicKey(adminSeed),
    ]);
    b.group({ signerKeySha256: sha256Hex(adminSpki) });
    const rsa = ctx.key('rsa3072');
    const base: RecoveryPolicy = {
      issuer: 'IT department',
      notBefore: '2026-01-01T00:00:00Z',
      purpose: 'recovery of departed users',
      recoveryKey: rsa.spki,
      recoveryKeySha256: sha256Hex(rsa.spki),
      scopeUsers: ['*'],
      serial: 1,
      status: 'active',
    };
    const valid = (slug: string, p: RecoveryPolicy) => {
      const statement = signStatement(p, admin);
      b.add({
        slug,
        comment: 'a canonical policy signed by the anchored key',
        requirements: ['E2EE-RKEY-010', 'E2EE-RKEY-808'],
        in: { statement },
        expect: {
          result: 'valid',
          recoveryKeySha256: p.recoveryKeySha256,
          serial: p.serial,
          policySha256: sha256Hex(encodePolicy(p)),
        },
      });
    };
    valid('active-all-users', base);
    valid('scoped-users', { ...base, scopeUsers: ['alice', 'bob'], serial: 2 });
    valid('retired', { ...base, status: 'retired', serial: 3 });
    valid('rsa4096', {
      ...base,
      recoveryKey: ctx.key('rsa4096').spki,
      recoveryKeySha256: sha256Hex(ctx.key('rsa4096').spki),
    });

    const bytes = encodePolicy(base);
    const goodJson = signedWith(bytes, adminSeed, policySignatureInput(bytes));
    const invalid = (slug: string, flag: string, statement: string, req = 'E2EE-RKEY-010') =>
      b.add({
        slug,
        comment: `refused: ${slug}`,
        flags: [flag],
        requirements: [req],
        in: { statement },
        expect: { result: 'invalid', error: 'RECOVERY_POLICY_INVALID' },
      });
    const unsigned: JsonObject = { ...goodJson };
    delete unsigned.signature;
    invalid('unsigned', 'Unsigned', canonicalJson(unsigned));
    invalid(
      'signature-flipped',
      'BadSignature',
      canonicalJson({
        ...goodJson,
        signature: toBase64(flip(ed25519.sign(policySignatureInput(bytes), adminSeed), 5)),
      }),
    );
    invalid(
      'signed-without-context',
      'BadSignature',
      canonicalJson(signedWith(bytes, adminSeed, bytes)),
    );
    invalid(
      'signed-by-server-key',
      'NotAnchored',
      canonicalJson(signedWith(bytes, rng(32), policySignatureInput(bytes))),
      'E2EE-RKEY-808',
    );
    const spaced = new TextEncoder().encode(
      JSON.stringify(JSON.parse(new TextDecoder().decode(bytes)) as object, null, 1),
    );
    invalid(
      'policy-not-canonical',
      'NonCanonical',
      canonicalJson(signedWith(spaced, adminSeed, policySignatureInput(spaced))),
    );
    const stray = unhex('302a300506032b6570032104');
    invalid(
      'signer-key-not-canonical-der',
      'NonCanonical',
      canonicalJson({
        ...goodJson,
        signerKey: toBase64(new Uint8Array([...stray, ...ed25519.getPublicKey(adminSeed)])),
      }),
    );
    const lying = new TextEncoder().encode(
      new TextDecoder().decode(bytes).replace(base.recoveryKeySha256, '0'.repeat(64)),
    );
    invalid(
      'fingerprint-not-the-keys',
      'WrongKey',
      canonicalJson(signedWith(lying, adminSeed, policySignatureInput(lying))),
    );
    const small = ctx.key('alice');
    const smallBytes = new TextEncoder().encode(
      new TextDecoder()
        .decode(bytes)
        .replace(toBase64(rsa.spki), toBase64(small.spki))
        .replace(base.recoveryKeySha256, sha256Hex(small.spki)),
    );
    invalid(
      'rsa2048-recovery-key',
      'WrongKey',
      canonicalJson(signedWith(smallBytes, adminSeed, policySignatureInput(smallBytes))),
    );
    return b.file;
  },
  async run(test, group) {
    const anchor = { signerKeySha256: group.params.signerKeySha256 as string };
    return verdict(() => {
      const st = parseStatement((test.in as { statement: string }).statement);
      checkAnchor(st, anchor);
      return {
        recoveryKeySha256: st.policy.recoveryKeySha256,
        serial: st.policy.serial,
        policySha256: st.policySha256,
      };
    });
  },
};
