/**
 * `metadata-signature` (primitives): verifying `X-NC-E2EE-SIGNATURE` over a metadata document for
 * the folder's members (spec/06-signature.md §4–§6): the desktop, Android and web encodings, BER,
 * the signer identified by issuerAndSerialNumber or subjectKeyIdentifier, and every reject in the
 * order of §6. Signatures are built by the generator's CMS builder, not copied from clients.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  metadataSignedContent,
  signMetadata,
  verifyMetadataSignature,
} from '../../../reference/src/signature/index.js';
import { VectorFileBuilder, type Expect } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, hex } from '../repr.js';
import { strictPem } from '../pem-variants.js';
import { buildDoc, innerWith } from '../metadata-docs.js';
import { buildCms, indefiniteLengths, OID, type CmsOptions } from '../cms.js';
import { CN, DESKTOP_DN, issue } from '../ca.js';
import { world, type Actor } from '../world.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'metadata-signature';

interface MemberWire {
  readonly userId: string;
  readonly certificatePemWire: string;
}

const asMember = (a: Actor, pem = a.certificatePem): MemberWire => ({
  userId: a.userId,
  certificatePemWire: pem,
});

export const metadataSignature: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['documentWire', 'signatureWire', 'members', 'previousMembers'],
  outFields: ['signerUserId', 'contentVariant'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const w = await world(ctx);
    const { alice, bob, mallory } = w;
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Verify signatureWire (the X-NC-E2EE-SIGNATURE header value) over documentWire for the members (userId and',
        "certificate PEM; for a sub-folder, the root's members) and, when given, the members of the previously",
        'verified version. Valid outputs: the signer\'s user id and the content variant signed ("canonical").',
        'Member certificates are assumed already validated against the server key (certificate vectors).',
      ],
      {
        DesktopEncoding: {
          bugType: 'TOLERANCE',
          description:
            'OpenSSL CMS_sign: signatureAlgorithm rsaEncryption and an S/MIME Capabilities attribute.',
          requirements: ['E2EE-META-118', 'E2EE-META-119'],
        },
        AndroidEncoding: {
          bugType: 'TOLERANCE',
          description: 'BouncyCastle: SignerInfo version 0 (tolerance android-signer-version).',
          requirements: ['E2EE-META-800'],
        },
        WebEncoding: {
          bugType: 'TOLERANCE',
          description: 'pkijs: sha256WithRSAEncryption, no signingTime.',
          requirements: ['E2EE-META-818', 'E2EE-META-118'],
        },
        Ber: {
          bugType: 'TOLERANCE',
          description: 'BER with indefinite lengths around the SignedData.',
          requirements: ['E2EE-META-115'],
        },
        SubjectKeyIdentifier: {
          bugType: 'TOLERANCE',
          description: 'The signer named by subjectKeyIdentifier (versions 3 and 3).',
          requirements: ['E2EE-META-123', 'E2EE-META-800'],
        },
        AttributeVariation: {
          bugType: 'TOLERANCE',
          description:
            'Attribute order, extra signed or unsigned attributes: not a reason to reject.',
          requirements: ['E2EE-META-119'],
        },
        DesktopFiledropKey: {
          bugType: 'LEGACY',
          description:
            'The signature covers the content without users[].encryptedFiledropKey (what the desktop signs); accepting it is a MAY (E2EE-META-125).',
          requirements: ['E2EE-META-125'],
        },
        Encoding: {
          bugType: 'MALFORMED_INPUT',
          description: 'The header is not strict base64 of one BER ContentInfo(SignedData).',
          requirements: ['E2EE-META-115'],
        },
        Profile: {
          bugType: 'CAN_OF_WORMS',
          description:
            'A field outside the verifier profile (content type, attached content, signer count, attributes, algorithms, versions, crls).',
          requirements: [
            'E2EE-META-116',
            'E2EE-META-817',
            'E2EE-META-818',
            'E2EE-META-118',
            'E2EE-META-800',
            'E2EE-META-801',
            'E2EE-META-802',
          ],
        },
        ContentChanged: {
          bugType: 'AUTH_BYPASS',
          description:
            'The signed part of the document changed after signing, or the digest or signature is wrong.',
          requirements: ['E2EE-META-121', 'E2EE-META-122'],
        },
        NotMember: {
          bugType: 'CONFUSED_DEPUTY',
          description:
            "A valid signature by a key that is not a member's (or was not one in the previous version).",
          requirements: ['E2EE-META-124', 'E2EE-META-126'],
        },
        ForeignEmbedded: {
          bugType: 'AUTH_BYPASS',
          description: "An embedded certificate that is not byte-identical to a member's.",
          requirements: ['E2EE-META-130'],
        },
        Missing: {
          bugType: 'AUTH_BYPASS',
          description: 'No signature.',
          requirements: ['E2EE-META-120'],
        },
      },
    );
    const key = rng(16);
    const doc = buildDoc(
      { key, inner: innerWith(key, rng), members: [{ actor: alice }, { actor: bob }] },
      rng,
    );
    const content = metadataSignedContent(doc);
    const members = [asMember(alice), asMember(bob)];
    const sig = (o: Partial<CmsOptions> = {}, by: Actor = alice): string =>
      b64(buildCms({ content, signerPkcs8: by.key.pkcs8, signerCertDer: by.certificateDer, ...o }));
    const ok = (signer = 'alice'): Expect => ({
      result: 'valid',
      signerUserId: signer,
      contentVariant: 'canonical',
    });
    const bad = (error: Extract<Expect, { result: 'invalid' }>['error']): Expect => ({
      result: 'invalid',
      error,
    });
    type Case = [
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      inp: Record<string, unknown>,
      expect: Expect,
    ];
    const cases: Case[] = [];
    const add = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      signatureWire: string,
      expect: Expect,
      over: Record<string, unknown> = {},
    ) =>
      cases.push([
        slug,
        comment,
        flags,
        reqs,
        { documentWire: doc, signatureWire, members, ...over },
        expect,
      ]);

    b.group({ folder: 'root' });
    add(
      'reference-writer',
      'what the reference writes (signMetadata)',
      [],
      ['E2EE-META-110', 'E2EE-META-111', 'E2EE-META-112', 'E2EE-META-114', 'E2EE-META-122'],
      await signMetadata({
        outer: doc,
        signerCertificate: alice.certificatePem,
        signerPrivateKey: alice.key.pkcs8,
        now: ctx.now,
      }),
      ok(),
    );
    add(
      'signed-by-second-member',
      'bob signs',
      [],
      ['E2EE-META-122', 'E2EE-META-124'],
      sig({}, bob),
      ok('bob'),
    );
    add(
      'desktop-encoding',
      'rsaEncryption and S/MIME Capabilities',
      ['DesktopEncoding'],
      ['E2EE-META-118', 'E2EE-META-119'],
      sig({ signatureAlgorithm: OID.rsaEncryption, smimeCapabilities: true }),
      ok(),
    );
    add(
      'android-encoding',
      'SignerInfo version 0',
      ['AndroidEncoding'],
      ['E2EE-META-800'],
      sig({ signerVersion: 0 }),
      ok(),
    );
    add(
      'web-encoding',
      'no signingTime attribute',
      ['WebEncoding'],
      ['E2EE-META-818'],
      sig({ signingTime: null }),
      ok(),
    );
    add(
      'algorithm-params-absent',
      'algorithms without NULL parameters',
      [],
      ['E2EE-META-118'],
      sig({ nullParams: false }),
      ok(),
    );
    add(
      'signing-time-generalized',
      'signingTime as GeneralizedTime (2051)',
      [],
      ['E2EE-META-818'],
      sig({ signingTime: new Date('2051-01-01T00:00:00Z') }),
      ok(),
    );
    add(
      'attributes-reversed',
      'signed attributes in another order',
      ['AttributeVariation'],
      ['E2EE-META-119'],
      sig({ attributeOrder: 'reversed' }),
      ok(),
    );
    add(
      'unsigned-attribute',
      'an unsigned attribute',
      ['AttributeVariation'],
      ['E2EE-META-119'],
      sig({ unsignedAttribute: true }),
      ok(),
    );
    add(
      'no-embedded-certificate',
      "no certificates: the named member's is used",
      [],
      ['E2EE-META-123'],
      sig({ embed: [] }),
      ok(),
    );
    const der = buildCms({
      content,
      signerPkcs8: alice.key.pkcs8,
      signerCertDer: alice.certificateDer,
    });
    const ber = indefiniteLengths(der);
    if (ber[1] !== 0x80) throw new Error('indefiniteLengths did not produce an indefinite length');
    add(
      'ber-indefinite',
      'ContentInfo and SignedData with indefinite lengths',
      ['Ber'],
      ['E2EE-META-115'],
      b64(ber),
      ok(),
    );
    {
      const spkiKeyBits = pkijs.Certificate.fromBER(new Uint8Array(alice.certificateDer))
        .subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
      const ski = new Uint8Array(createHash('sha1').update(spkiKeyBits).digest());
      const ext = new pkijs.Extension({
        extnID: '2.5.29.14',
        critical: false,
        extnValue: new asn1js.OctetString({ valueHex: ski.slice().buffer }).toBER(),
      });
      const cert = await issue({
        issuerPkcs8: w.server.pkcs8,
        subjectSpki: alice.key.spki,
        subject: [...DESKTOP_DN, [CN, 'alice']],
        notBefore: new Date(ctx.now.getTime() - 86_400_000),
        extraExtensions: [ext],
      });
      const skiAlice: Actor = {
        ...alice,
        certificateDer: cert,
        certificatePem: strictPem('CERTIFICATE', cert),
      };
      const skiMembers = [asMember(skiAlice), asMember(bob)];
      add(
        'signer-by-ski',
        'SignerInfo names the signer by subjectKeyIdentifier',
        ['SubjectKeyIdentifier'],
        ['E2EE-META-123', 'E2EE-META-800'],
        sig({ sid: 'ski' }, skiAlice),
        ok(),
        { members: skiMembers },
      );
      add(
        'ski-with-version-1',
        'subjectKeyIdentifier with versions 1/1',
        ['Profile'],
        ['E2EE-META-800'],
        sig({ sid: 'ski', sdVersion: 1, signerVersion: 1 }, skiAlice),
        bad('SIGNATURE_MALFORMED'),
        { members: skiMembers },
      );
    }
    {
      const fd = JSON.parse(doc) as Record<string, unknown>;
      fd.filedrop = { [hex(rng(16))]: { ciphertext: 'later upload' } };
      add(
        'filedrop-added-after-signing',
        'a filedrop entry added after signing (unsigned part)',
        [],
        ['E2EE-META-105'],
        sig(),
        ok(),
        { documentWire: JSON.stringify(fd) },
      );
      const withKey = JSON.parse(doc) as { users: Record<string, unknown>[] };
      withKey.users[1]!.encryptedFiledropKey = b64(rng(256));
      const wk = JSON.stringify(withKey);
      const stripped = JSON.parse(wk) as { users: Record<string, unknown>[] };
      delete stripped.users[1]!.encryptedFiledropKey;
      cases.push([
        'desktop-filedrop-key',
        'signed over the content without users[].encryptedFiledropKey',
        ['DesktopFiledropKey'],
        ['E2EE-META-125'],
        {
          documentWire: wk,
          signatureWire: b64(
            buildCms({
              content: metadataSignedContent(JSON.stringify(stripped)),
              signerPkcs8: alice.key.pkcs8,
              signerCertDer: alice.certificateDer,
            }),
          ),
          members,
        },
        { result: 'acceptable', signerUserId: 'alice', contentVariant: 'desktop-filedrop-key' },
      ]);
    }
    // Missing and encoding.
    add(
      'missing',
      'empty header value',
      ['Missing'],
      ['E2EE-META-120'],
      '',
      bad('SIGNATURE_MISSING'),
    );
    const good = sig();
    add(
      'not-base64',
      'not base64',
      ['Encoding'],
      ['E2EE-META-115'],
      '!!!',
      bad('SIGNATURE_MALFORMED'),
    );
    add(
      'base64-line-breaks',
      'base64 with line breaks every 64 characters',
      ['Encoding'],
      ['E2EE-META-115'],
      good.replace(/(.{64})/g, '$1\n'),
      bad('SIGNATURE_MALFORMED'),
    );
    add(
      'base64-unpadded',
      'base64 without padding',
      ['Encoding'],
      ['E2EE-META-115'],
      good.endsWith('=') ? good.replace(/=+$/, '') : `${good}=`,
      bad('SIGNATURE_MALFORMED'),
    );
    add(
      'trailing-bytes',
      'a byte after the ContentInfo',
      ['Encoding'],
      ['E2EE-META-115'],
      b64(new Uint8Array([...der, 0])),
      bad('SIGNATURE_MALFORMED'),
    );
    add(
      'truncated',
      'the DER truncated',
      ['Encoding'],
      ['E2EE-META-115'],
      b64(der.subarray(0, der.length - 5)),
      bad('SIGNATURE_MALFORMED'),
    );
    add(
      'not-signed-data',
      'ContentInfo of type id-data',
      ['Encoding'],
      ['E2EE-META-115'],
      sig({ outerContentType: OID.data }),
      bad('SIGNATURE_MALFORMED'),
    );
    add(
      'certificate-not-cms',
      'a certificate instead of CMS',
      ['Encoding'],
      ['E2EE-META-115'],
      b64(alice.certificateDer),
      bad('SIGNATURE_MALFORMED'),
    );
    // Profile.
    const profile: [string, string, Partial<CmsOptions>, string][] = [
      [
        'econtent-type-not-data',
        'eContentType id-signedData',
        { eContentType: OID.signedData },
        'E2EE-META-116',
      ],
      [
        'attached-content',
        'the content encapsulated (not detached)',
        { attachContent: true },
        'E2EE-META-116',
      ],
      ['two-signer-infos', 'two SignerInfos', { twoSigners: true }, 'E2EE-META-116'],
      [
        'no-signed-attributes',
        'signature directly over the content, no signed attributes',
        { noSignedAttributes: true },
        'E2EE-META-817',
      ],
      [
        'content-type-missing',
        'no contentType attribute',
        { omitContentType: true },
        'E2EE-META-817',
      ],
      [
        'content-type-not-data',
        'contentType attribute id-signedData',
        { contentTypeValue: OID.signedData },
        'E2EE-META-817',
      ],
      [
        'message-digest-missing',
        'no messageDigest attribute',
        { omitMessageDigest: true },
        'E2EE-META-817',
      ],
      [
        'message-digest-twice',
        'two messageDigest attributes',
        { messageDigestCount: 2 },
        'E2EE-META-817',
      ],
      [
        'signing-time-twice',
        'two signingTime attributes',
        { signingTimeCount: 2 },
        'E2EE-META-818',
      ],
      [
        'digest-sha1',
        'digestAlgorithm SHA-1 (signature made with SHA-1)',
        { digestAlgorithm: OID.sha1, signHash: 'sha1' },
        'E2EE-META-118',
      ],
      [
        'signature-sha1-rsa',
        'signatureAlgorithm sha1WithRSAEncryption',
        { signatureAlgorithm: OID.sha1WithRSA },
        'E2EE-META-118',
      ],
      [
        'signature-pss',
        'signatureAlgorithm RSASSA-PSS',
        { signatureAlgorithm: OID.rsaPss },
        'E2EE-META-118',
      ],
      [
        'signed-data-version-3',
        'SignedData version 3 with issuerAndSerialNumber',
        { sdVersion: 3 },
        'E2EE-META-800',
      ],
      ['signer-info-version-2', 'SignerInfo version 2', { signerVersion: 2 }, 'E2EE-META-800'],
      [
        'digest-algorithms-two',
        'digestAlgorithms lists SHA-256 and SHA-1',
        { extraDigestAlgorithms: [OID.sha1] },
        'E2EE-META-801',
      ],
      ['crls-present', 'a crls field', { withCrls: true }, 'E2EE-META-802'],
    ];
    for (const [slug, comment, o, req] of profile)
      add(`profile-${slug}`, comment, ['Profile'], [req], sig(o), bad('SIGNATURE_MALFORMED'));
    {
      // The embedded certificate re-tagged from SEQUENCE (an X.509 certificate) to [1], another
      // CertificateChoices: its bytes are otherwise the same.
      const der = Buffer.from(sig(), 'base64');
      const at = der.indexOf(Buffer.from(alice.certificateDer));
      if (at < 0) throw new Error('the embedded certificate is not in the signature');
      der[at] = 0xa1;
      add(
        'profile-other-certificate-choice',
        'the embedded certificate tagged as another CertificateChoices ([1])',
        ['Profile'],
        ['E2EE-META-803'],
        b64(der),
        bad('SIGNATURE_MALFORMED'),
      );
    }
    {
      // Without embedded certificates the signer's name occurs once, in the issuerAndSerialNumber:
      // "Alice" matches alice's issuer under X.500 caseIgnoreMatch, but not byte for byte.
      const der = Buffer.from(sig({ embed: [] }), 'base64');
      const name = Buffer.from('alice');
      const at = der.indexOf(name);
      if (at < 0 || der.indexOf(name, at + 1) >= 0)
        throw new Error('expected one "alice" in the sid');
      der[at] = 0x41;
      add(
        'sid-issuer-case-changed',
        'issuerAndSerialNumber names CN=Alice: equal under X.500 matching, not byte-identical',
        ['NotMember'],
        ['E2EE-META-804'],
        b64(der),
        bad('SIGNER_NOT_MEMBER'),
      );
    }
    // Authentication.
    {
      const changed = doc.replace('"version":"2.0"', '"version":"2.1"');
      add(
        'document-version-changed',
        "the signed document's version changed after signing",
        ['ContentChanged'],
        ['E2EE-META-121'],
        good,
        bad('SIGNATURE_INVALID'),
        { documentWire: changed },
      );
      const d2 = JSON.parse(doc) as { users: Record<string, unknown>[] };
      d2.users.reverse();
      add(
        'users-reordered',
        'the users array reordered after signing',
        ['ContentChanged'],
        ['E2EE-META-121'],
        good,
        bad('SIGNATURE_INVALID'),
        { documentWire: JSON.stringify(d2) },
      );
      const d3 = JSON.parse(doc) as Record<string, unknown>;
      d3.extra = 1;
      add(
        'member-added-unsigned',
        'an unknown member added after signing (it is signed content)',
        ['ContentChanged'],
        ['E2EE-META-121', 'E2EE-META-013'],
        good,
        bad('SIGNATURE_INVALID'),
        { documentWire: JSON.stringify(d3) },
      );
    }
    add(
      'message-digest-wrong',
      'messageDigest of other content, correctly signed',
      ['ContentChanged'],
      ['E2EE-META-121'],
      sig({ messageDigest: new Uint8Array(32).fill(1) }),
      bad('SIGNATURE_INVALID'),
    );
    add(
      'signature-wrong-key-named-alice',
      "names alice, signed with bob's key",
      ['ContentChanged'],
      ['E2EE-META-122'],
      sig({ signWithPkcs8: bob.key.pkcs8 }),
      bad('SIGNATURE_INVALID'),
    );
    {
      const flipped = new Uint8Array(der);
      // The RSA signature value is the last 256 bytes of a signature without unsigned attributes.
      flipped[der.length - 1]! ^= 1;
      add(
        'signature-value-flipped',
        'last bit of the RSA signature value flipped',
        ['ContentChanged'],
        ['E2EE-META-122'],
        b64(flipped),
        bad('SIGNATURE_INVALID'),
      );
    }
    add(
      'embedded-foreign-certificate',
      "alice's signature with mallory's certificate also embedded",
      ['ForeignEmbedded'],
      ['E2EE-META-130'],
      sig({ embed: [alice.certificateDer, mallory.certificateDer] }),
      bad('SIGNATURE_INVALID'),
    );
    {
      const reissued = await w.certify('alice', alice.key);
      const otherBytes = await issue({
        issuerPkcs8: w.server.pkcs8,
        subjectSpki: alice.key.spki,
        subject: [...DESKTOP_DN, [CN, 'alice']],
        notBefore: new Date(ctx.now.getTime() - 7 * 86_400_000),
      });
      void reissued;
      add(
        'embedded-reissued-certificate',
        "an embedded certificate for alice's key that is not the listed one, byte for byte",
        ['ForeignEmbedded'],
        ['E2EE-META-130'],
        sig({ signerCertDer: otherBytes, embed: [otherBytes] }),
        bad('SIGNATURE_INVALID'),
      );
    }
    // The signer.
    add(
      'signed-by-non-member',
      'mallory (a valid user, not a member) signs and embeds their certificate',
      ['NotMember'],
      ['E2EE-META-124'],
      sig({}, mallory),
      bad('SIGNER_NOT_MEMBER'),
    );
    {
      const fake = await w.certify('alice', mallory.key);
      add(
        'signed-under-member-name',
        "a server-issued certificate CN=alice over mallory's key, embedded",
        ['NotMember'],
        ['E2EE-META-124'],
        sig({}, { ...mallory, certificateDer: fake.certificateDer }),
        bad('SIGNER_NOT_MEMBER'),
      );
    }
    add(
      'sid-names-nothing',
      'issuerAndSerialNumber with serial 5: no certificate named',
      ['NotMember'],
      ['E2EE-META-123'],
      sig({ sidSerial: 5, embed: [] }),
      bad('SIGNER_NOT_MEMBER'),
    );
    add(
      'signer-not-previous-member',
      'bob signed a version; the previous verified version listed only alice',
      ['NotMember'],
      ['E2EE-META-126'],
      sig({}, bob),
      bad('SIGNER_NOT_MEMBER'),
      { previousMembers: [asMember(alice)] },
    );
    add(
      'signer-was-previous-member',
      'alice signed; she was a member of the previous version',
      [],
      ['E2EE-META-126'],
      sig(),
      ok(),
      { previousMembers: [asMember(alice)] },
    );
    // Document and member parsing come first.
    add(
      'document-duplicate-key',
      'the document has a duplicate key',
      [],
      ['E2EE-META-103'],
      good,
      bad('METADATA_MALFORMED'),
      { documentWire: doc.replace('{"metadata"', '{"version":"2.0","metadata"') },
    );
    add(
      'member-certificate-not-pem',
      "bob's member certificate is not PEM",
      [],
      ['E2EE-META-805'],
      good,
      bad('PEM_MALFORMED'),
      { members: [asMember(alice), { userId: 'bob', certificatePemWire: 'junk' }] },
    );
    for (const [slug, comment, flags, reqs, inp, expect] of cases)
      b.add({ slug, comment, flags, requirements: reqs, in: inp, expect });

    b.group({ folder: 'sub-folder' });
    const subKeyDoc = buildDoc(
      { key, inner: { counter: 3, files: {}, folders: {}, keyChecksums: [] } },
      rng,
    );
    const subContent = metadataSignedContent(subKeyDoc);
    const subSig = (by: Actor) =>
      b64(
        buildCms({
          content: subContent,
          signerPkcs8: by.key.pkcs8,
          signerCertDer: by.certificateDer,
        }),
      );
    b.add({
      slug: 'subfolder-root-member',
      comment: 'a sub-folder document (no users) signed by a root member',
      requirements: ['E2EE-META-128', 'E2EE-META-120'],
      in: { documentWire: subKeyDoc, signatureWire: subSig(bob), members },
      expect: ok('bob'),
    });
    b.add({
      slug: 'subfolder-non-member',
      comment: 'a sub-folder document signed by mallory',
      flags: ['NotMember'],
      requirements: ['E2EE-META-128', 'E2EE-META-124'],
      in: { documentWire: subKeyDoc, signatureWire: subSig(mallory), members },
      expect: bad('SIGNER_NOT_MEMBER'),
    });
    b.add({
      slug: 'subfolder-missing',
      comment: 'a sub-folder document without signature',
      flags: ['Missing'],
      requirements: ['E2EE-META-120'],
      in: { documentWire: subKeyDoc, signatureWire: '', members },
      expect: bad('SIGNATURE_MISSING'),
    });
    return b.file;
  },
  async run(test) {
    const i = test.in as {
      documentWire: string;
      signatureWire: string;
      members: MemberWire[];
      previousMembers?: MemberWire[];
    };
    const m = (l: MemberWire[]) =>
      l.map((x) => ({ userId: x.userId, certificate: x.certificatePemWire }));
    return verdict(async () => {
      const r = await verifyMetadataSignature({
        outer: i.documentWire,
        signature: i.signatureWire,
        members: m(i.members),
        ...(i.previousMembers ? { previousMembers: m(i.previousMembers) } : {}),
      });
      return { signerUserId: r.signerUserId, contentVariant: r.contentVariant };
    });
  },
};
