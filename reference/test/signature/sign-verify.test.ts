import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { isSealfoldError } from '../../src/errors/index.js';
import { signMetadata, verifyMetadataSignature } from '../../src/signature/index.js';
import { decodeSignature, OID } from '../../src/signature/_cms.js';
import {
  makeIdentity,
  makeServerKey,
  membersOf,
  sampleOuter,
  type Identity,
} from '../_support/identities.js';
import { signatureLayout } from '../_support/cms.js';

const code = (c: string) => expect.objectContaining({ code: c });
const NOW = new Date('2026-05-01T12:00:00Z');

let alice: Identity;
let bob: Identity;
let mallory: Identity; // CN=alice, another key: a certificate the server could mint
let outer: string;
let sig: string;

beforeAll(async () => {
  const server = makeServerKey();
  alice = await makeIdentity('alice', server);
  bob = await makeIdentity('bob', server);
  mallory = await makeIdentity('alice', server);
  outer = JSON.stringify(sampleOuter([alice, bob]));
  sig = await signMetadata({
    outer,
    signerCertificate: alice.certPem,
    signerPrivateKey: alice.pkcs8,
    now: NOW,
  });
});

describe('signMetadata → verifyMetadataSignature', () => {
  it('E2EE-META-122: round-trips; signer and signingTime come back', async () => {
    const r = await verifyMetadataSignature({
      outer,
      signature: sig,
      members: membersOf([alice, bob]),
    });
    expect(r).toEqual({ signerUserId: 'alice', signingTime: NOW, contentVariant: 'canonical' });
    // Bob signs too; DER certificates work as members.
    const s2 = await signMetadata({
      outer,
      signerCertificate: bob.certDer,
      signerPrivateKey: bob.pkcs8,
    });
    const r2 = await verifyMetadataSignature({
      outer,
      signature: s2,
      members: [alice, bob].map((u) => ({ userId: u.userId, certificate: u.certDer })),
    });
    expect(r2.signerUserId).toBe('bob');
  });

  it('E2EE-META-110 E2EE-META-111 E2EE-META-112: writes the profile (detached id-data, sha256WithRSA, attributes, embedded cert)', () => {
    const d = decodeSignature(sig);
    expect(d.signatureAlgorithm).toBe(OID.sha256WithRSAEncryption);
    expect(d.sid.kind).toBe('issuerAndSerialNumber');
    expect(d.certificates).toHaveLength(1);
    expect(Buffer.from(d.certificates[0]!).equals(Buffer.from(alice.certDer))).toBe(true);
    expect(d.signingTime).toEqual(NOW);
    // DER: the signed attributes are a SET OF in ascending encoding order.
    expect(d.signedAttrs[0]).toBe(0x31);
    // Signing the same document at the same time is deterministic (PKCS#1 v1.5).
    return expect(
      signMetadata({
        outer,
        signerCertificate: alice.certPem,
        signerPrivateKey: alice.pkcs8,
        now: NOW,
      }),
    ).resolves.toBe(sig);
  });

  it('E2EE-META-111: signingTime uses GeneralizedTime from 2050 on', async () => {
    const when = new Date('2051-02-03T04:05:06.789Z');
    const s = await signMetadata({
      outer,
      signerCertificate: alice.certPem,
      signerPrivateKey: alice.pkcs8,
      now: when,
    });
    const r = await verifyMetadataSignature({ outer, signature: s, members: membersOf([alice]) });
    expect(r.signingTime?.toISOString()).toBe('2051-02-03T04:05:06.000Z');
  });

  it("E2EE-META-113: refuses to sign with a key that is not the certificate's", async () => {
    await expect(
      signMetadata({ outer, signerCertificate: alice.certPem, signerPrivateKey: bob.pkcs8 }),
    ).rejects.toThrow(code('KEY_MISMATCH'));
    await expect(
      signMetadata({
        outer,
        signerCertificate: alice.certPem,
        signerPrivateKey: new Uint8Array([48, 0]),
      }),
    ).rejects.toThrow(code('KEY_MALFORMED'));
    await expect(
      signMetadata({ outer, signerCertificate: 'nope', signerPrivateKey: alice.pkcs8 }),
    ).rejects.toThrow(code('PEM_MALFORMED'));
    await expect(
      signMetadata({
        outer,
        signerCertificate: new Uint8Array([1, 2]),
        signerPrivateKey: alice.pkcs8,
      }),
    ).rejects.toThrow(code('CERT_MALFORMED'));
  });

  it('E2EE-META-106: refuses to sign a document with users[].encryptedFiledropKey', async () => {
    const doc = sampleOuter([alice]);
    (doc.users as Record<string, unknown>[])[0]!.encryptedFiledropKey = 'AAAA';
    await expect(
      signMetadata({ outer: doc, signerCertificate: alice.certPem, signerPrivateKey: alice.pkcs8 }),
    ).rejects.toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-125: accepts the desktop variant that leaves users[].encryptedFiledropKey out of the signature', async () => {
    // What a desktop would have signed: the document without the field ...
    const doc = sampleOuter([alice]);
    const s = await signMetadata({
      outer: doc,
      signerCertificate: alice.certPem,
      signerPrivateKey: alice.pkcs8,
    });
    // ... and the document as it is stored, with the field present.
    (doc.users as Record<string, unknown>[])[0]!.encryptedFiledropKey = 'AAAA';
    const r = await verifyMetadataSignature({
      outer: doc,
      signature: s,
      members: membersOf([alice]),
    });
    expect(r.contentVariant).toBe('desktop-filedrop-key');
  });
});

describe('verifyMetadataSignature rejections', () => {
  it('E2EE-META-120: absent or empty signature → SIGNATURE_MISSING', async () => {
    for (const s of [undefined, null, '']) {
      await expect(
        verifyMetadataSignature({ outer, signature: s, members: membersOf([alice]) }),
      ).rejects.toThrow(code('SIGNATURE_MISSING'));
    }
  });

  it('E2EE-META-115: not base64 or not CMS → SIGNATURE_MALFORMED', async () => {
    for (const s of [
      '%%%',
      'AAAA',
      'MIIB',
      sig + '\n',
      ' ' + sig,
      sig.slice(0, -8),
      Buffer.from('{}').toString('base64'),
    ]) {
      await expect(
        verifyMetadataSignature({ outer, signature: s, members: membersOf([alice]) }),
      ).rejects.toThrow(code('SIGNATURE_MALFORMED'));
    }
  });

  it("E2EE-META-124: a valid signature by a key no member holds → SIGNER_NOT_MEMBER, even with a member's CN", async () => {
    const s = await signMetadata({
      outer,
      signerCertificate: mallory.certPem,
      signerPrivateKey: mallory.pkcs8,
    });
    // mallory's certificate says CN=alice, issuer CN=alice, serial 0: the same SignerIdentifier.
    await expect(
      verifyMetadataSignature({ outer, signature: s, members: membersOf([alice, bob]) }),
    ).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
    // Bob is a member, but not listed as a signer candidate here.
    const sb = await signMetadata({
      outer,
      signerCertificate: bob.certPem,
      signerPrivateKey: bob.pkcs8,
    });
    await expect(
      verifyMetadataSignature({ outer, signature: sb, members: membersOf([alice]) }),
    ).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
    await expect(verifyMetadataSignature({ outer, signature: sb, members: [] })).rejects.toThrow(
      code('SIGNER_NOT_MEMBER'),
    );
  });

  it('E2EE-META-126: a signer who was not a previous member → SIGNER_NOT_MEMBER', async () => {
    const sb = await signMetadata({
      outer,
      signerCertificate: bob.certPem,
      signerPrivateKey: bob.pkcs8,
    });
    await expect(
      verifyMetadataSignature({
        outer,
        signature: sb,
        members: membersOf([alice, bob]),
        previousMembers: membersOf([alice]),
      }),
    ).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
    await expect(
      verifyMetadataSignature({
        outer,
        signature: sig,
        members: membersOf([alice, bob]),
        previousMembers: membersOf([alice]),
      }),
    ).resolves.toMatchObject({ signerUserId: 'alice' });
  });

  it("E2EE-META-128: a sub-folder document (no users) verifies against the root folder's members", async () => {
    const sub = JSON.stringify({ metadata: JSON.parse(outer).metadata, version: '2.0' });
    const s = await signMetadata({
      outer: sub,
      signerCertificate: bob.certPem,
      signerPrivateKey: bob.pkcs8,
    });
    const rootMembers = membersOf([alice, bob]);
    await expect(
      verifyMetadataSignature({ outer: sub, signature: s, members: rootMembers }),
    ).resolves.toMatchObject({ signerUserId: 'bob' });
    // Android and iOS write "users": [] in sub-folders; it is part of the signed text.
    const subEmpty = JSON.stringify({ ...JSON.parse(sub), users: [] });
    await expect(
      verifyMetadataSignature({ outer: subEmpty, signature: s, members: rootMembers }),
    ).rejects.toThrow(code('SIGNATURE_INVALID'));
  });

  it('E2EE-META-100: member certificates that do not parse are reported before authentication', async () => {
    await expect(
      verifyMetadataSignature({
        outer,
        signature: sig,
        members: [{ userId: 'alice', certificate: 'x' }],
      }),
    ).rejects.toThrow(code('PEM_MALFORMED'));
    await expect(
      verifyMetadataSignature({
        outer: '{"a":1,"a":2}',
        signature: sig,
        members: membersOf([alice]),
      }),
    ).rejects.toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-121: any change to any signed field → SIGNATURE_INVALID; filedrop changes do not matter', async () => {
    const members = membersOf([alice, bob]);
    const base = JSON.parse(outer);
    /** Every path to a string leaf of the signed part. */
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]) => {
      if (typeof v === 'string') paths.push(p);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(base, []);
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), s: fc.string({ maxLength: 4 }) }),
      fc.record({
        kind: fc.constant('add' as const),
        k: fc.string({ minLength: 1, maxLength: 6 }),
      }),
      fc.record({ kind: fc.constant('delete' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(paths.length - 1), edit, async (i, e) => {
        const doc = structuredClone(base);
        const p = paths[i]!;
        const parent = p.slice(0, -1).reduce((o: any, k) => o[k], doc);
        const last = p[p.length - 1]!;
        if (e.kind === 'set') {
          const next = parent[last] + (e.s === '' ? 'x' : e.s);
          parent[last] = next;
        } else if (e.kind === 'add') {
          if (Array.isArray(parent)) parent.push(e.k);
          else if (!(e.k in parent) && !(p.length === 1 && e.k === 'filedrop')) parent[e.k] = 'x';
          else parent[last] = parent[last] + 'x';
        } else if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
        await expect(
          verifyMetadataSignature({ outer: doc, signature: sig, members }),
        ).rejects.toThrow(code('SIGNATURE_INVALID'));
      }),
      { numRuns: 50 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.object({
          maxDepth: 2,
          values: [fc.string(), fc.integer(), fc.boolean(), fc.constant(null)],
        }),
        async (drop) => {
          const doc = { ...base, filedrop: drop };
          await expect(
            verifyMetadataSignature({ outer: doc, signature: sig, members }),
          ).resolves.toMatchObject({ signerUserId: 'alice' });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('E2EE-SEC-001 E2EE-META-130 E2EE-META-800: random byte changes in the signature DER → a typed code, never an untyped error, and none passes but the two meaningless ones', async () => {
    const der = Buffer.from(sig, 'base64');
    const d = decodeSignature(sig);
    const sigAt = der.indexOf(Buffer.from(d.signature));
    const attrsBody = Buffer.from(d.signedAttrs.subarray(1));
    const attrsAt = der.indexOf(attrsBody) - 1;
    expect(sigAt).toBeGreaterThan(0);
    expect(attrsAt).toBeGreaterThan(0);
    const layout = signatureLayout(der);
    const members = membersOf([alice, bob]);
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), async (at, x) => {
        const bad = Buffer.from(der);
        bad[at]! ^= x;
        let outcome: string;
        try {
          await verifyMetadataSignature({ outer, signature: bad.toString('base64'), members });
          outcome = 'ok';
        } catch (e) {
          expect(isSealfoldError(e)).toBe(true);
          outcome = (e as { code: string }).code;
          expect(['SIGNATURE_MALFORMED', 'SIGNATURE_INVALID', 'SIGNER_NOT_MEMBER']).toContain(
            outcome,
          );
        }
        seen.add(outcome);
        const inSigned =
          (at >= sigAt && at < sigAt + d.signature.length) ||
          (at >= attrsAt && at < attrsAt + d.signedAttrs.length);
        if (inSigned) expect(outcome).not.toBe('ok');
        // Only SignerInfo version 1 → 0 (tolerance) and sha256WithRSAEncryption → rsaEncryption
        // (0x0b → 0x01, the other name of the same algorithm) verify.
        const meaningless =
          (at === layout.signerInfoVersion + 2 && x === 0x01) ||
          (at === layout.signatureAlgorithmOidEnd && x === 0x0a);
        expect(outcome === 'ok').toBe(meaningless);
      }),
      { numRuns: 150 },
    );
    expect(seen.has('SIGNATURE_INVALID') || seen.has('SIGNATURE_MALFORMED')).toBe(true);
  });
});

/** Re-encodes a signature after `change` edited its SignedData (the signer's signature stays). */
function edited(signature: string, change: (sd: pkijs.SignedData) => void): string {
  const info = pkijs.ContentInfo.fromBER(Buffer.from(signature, 'base64'));
  const sd = new pkijs.SignedData({ schema: info.content });
  change(sd);
  const out = new pkijs.ContentInfo({ contentType: OID.signedData, content: sd.toSchema(true) });
  return Buffer.from(out.toSchema().toBER(false)).toString('base64');
}

/** The signature with byte `at` of its DER replaced by `f(byte)`. */
function patched(signature: string, at: number, f: (b: number) => number): string {
  const der = Buffer.from(signature, 'base64');
  der[at] = f(der[at]!);
  return der.toString('base64');
}

describe('the fields the RSA signature does not cover', () => {
  const members = () => membersOf([alice, bob]);
  const verify = (signature: string, m = members()) =>
    verifyMetadataSignature({ outer, signature, members: m });

  it('E2EE-META-130 E2EE-META-800: every single-bit flip anywhere in the signature is rejected, except SignerInfo version 1 → 0', async () => {
    const der = Buffer.from(sig, 'base64');
    const tolerated = signatureLayout(der).signerInfoVersion + 2;
    const accepted: number[] = [];
    const m = membersOf([alice]);
    for (let at = 0; at < der.length; at++) {
      const bad = patched(sig, at, (b) => b ^ (1 << (at % 8)));
      const outcome = await verify(bad, m).then(
        () => 'ok',
        (e: unknown) => (isSealfoldError(e) ? e.code : `untyped ${String(e)}`),
      );
      expect(['SIGNATURE_MALFORMED', 'SIGNATURE_INVALID', 'SIGNER_NOT_MEMBER', 'ok']).toContain(
        outcome,
      );
      if (outcome === 'ok') accepted.push(at);
    }
    // Bit 0 of the tolerated byte is flipped only when its offset is a multiple of 8.
    expect(accepted).toEqual(tolerated % 8 === 0 ? [tolerated] : []);
    await expect(verify(patched(sig, tolerated, () => 0))).resolves.toMatchObject({
      signerUserId: 'alice',
    });
  });

  it('E2EE-META-130: embedded certificates must be member certificates, byte for byte', async () => {
    const withCert = (c: Identity) =>
      edited(sig, (sd) =>
        sd.certificates!.push(pkijs.Certificate.fromBER(new Uint8Array(c.certDer))),
      );
    // Another member's certificate beside the signer's is harmless ...
    await expect(verify(withCert(bob))).resolves.toMatchObject({ signerUserId: 'alice' });
    // ... but not when that member is not a member of this folder,
    await expect(verify(withCert(bob), membersOf([alice]))).rejects.toThrow(
      code('SIGNATURE_INVALID'),
    );
    // nor a certificate no member has (the server's own for CN=alice),
    await expect(verify(withCert(mallory))).rejects.toThrow(code('SIGNATURE_INVALID'));
    // nor the signer's certificate with one byte of its signature value changed (it still parses).
    const [certAt, certLength] = signatureLayout(Buffer.from(sig, 'base64')).certificates[0]!;
    const tampered = patched(sig, certAt + certLength - 3, (b) => b ^ 0x40);
    expect(decodeSignature(tampered).certificates).toHaveLength(1);
    await expect(verify(tampered)).rejects.toThrow(code('SIGNATURE_INVALID'));
    // A signature without certificates names its signer by the members' certificates only.
    await expect(verify(edited(sig, (sd) => sd.certificates!.splice(0)))).resolves.toMatchObject({
      signerUserId: 'alice',
    });
  });

  it('E2EE-META-800: E2EE-META-801: SignedData and SignerInfo versions, and digestAlgorithms, are pinned', async () => {
    const L = signatureLayout(Buffer.from(sig, 'base64'));
    const malformed = code('SIGNATURE_MALFORMED');
    await expect(verify(patched(sig, L.signedDataVersion + 2, () => 3))).rejects.toThrow(malformed);
    for (const v of [2, 3, 0x81]) {
      await expect(verify(patched(sig, L.signerInfoVersion + 2, () => v))).rejects.toThrow(
        malformed,
      );
    }
    // sha256 (…04 02 01) → sha384 (…04 02 02) in digestAlgorithms only.
    const lastOidByte = L.digestAlgorithms + 14;
    expect(Buffer.from(sig, 'base64')[lastOidByte]).toBe(0x01);
    await expect(verify(patched(sig, lastOidByte, () => 0x02))).rejects.toThrow(malformed);
    await expect(
      verify(
        edited(sig, (sd) =>
          sd.digestAlgorithms.push(new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })),
        ),
      ),
    ).rejects.toThrow(malformed);
  });

  it('E2EE-META-802: E2EE-META-803: an empty crls field and a certificate of another CertificateChoices are refused', async () => {
    const L = signatureLayout(Buffer.from(sig, 'base64'));
    const malformed = code('SIGNATURE_MALFORMED');
    await expect(verify(edited(sig, (sd) => (sd.crls = [])))).rejects.toThrow(malformed);
    const [certAt] = L.certificates[0]!;
    await expect(verify(patched(sig, certAt, () => 0xa1))).rejects.toThrow(malformed);
  });

  it('E2EE-META-818: two signingTime attributes, or one that is not a time, are SIGNATURE_MALFORMED', async () => {
    const malformed = code('SIGNATURE_MALFORMED');
    const withTime = (values: (sd: pkijs.Attribute) => pkijs.Attribute[]) =>
      edited(sig, (sd) => {
        const attrs = sd.signerInfos[0]!.signedAttrs!;
        const time = attrs.attributes.find((a) => a.type === OID.signingTime)!;
        expect(time).toBeDefined();
        attrs.attributes = [
          ...attrs.attributes.filter((a) => a.type !== OID.signingTime),
          ...values(time),
        ];
      });
    // The unchanged attribute list re-encodes to a signature that still decodes.
    expect(() => decodeSignature(withTime((t) => [t]))).not.toThrow();
    const twice = withTime((t) => [t, t]);
    expect(() => decodeSignature(twice)).toThrow(/signingTime|appears twice/);
    await expect(verify(twice)).rejects.toThrow(malformed);
    const notATime = withTime(() => [
      new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.Integer({ value: 1 })] }),
    ]);
    expect(() => decodeSignature(notATime)).toThrow(/signingTime/);
    await expect(verify(notATime)).rejects.toThrow(malformed);
  });

  it('E2EE-META-804: the issuer and serial number must name the certificate byte for byte', async () => {
    const der = Buffer.from(sig, 'base64');
    const [sidAt, sidLength] = signatureLayout(der).sid;
    const name = der.indexOf(Buffer.from('alice'), sidAt);
    expect(name).toBeGreaterThan(sidAt);
    expect(name).toBeLessThan(sidAt + sidLength);
    // "Alice" is the same name under X.500 caseIgnoreMatch, but not the bytes alice's
    // certificate carries: no certificate is named.
    await expect(verify(patched(sig, name, (b) => b ^ 0x20))).rejects.toThrow(
      code('SIGNER_NOT_MEMBER'),
    );
    // Serial 0 → 1 (the last byte of the identifier).
    await expect(verify(patched(sig, sidAt + sidLength - 1, () => 1))).rejects.toThrow(
      code('SIGNER_NOT_MEMBER'),
    );
  });
});
