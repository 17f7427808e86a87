/**
 * `certificate` (primitives): validating a user certificate against the server key for a user id
 * (spec/03-certificates.md §3, E2EE-CERT-010..017): the Nextcloud quirks readers must accept, and
 * every reject in the order encoding → structure → authentication → policy.
 *
 * @module
 */
import * as pkijs from 'pkijs';
import {
  verifyUserCertificate,
  certificateFingerprint,
  spkiFingerprint,
} from '../../../reference/src/certs/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { sha256hex } from '../repr.js';
import { strictPem, tolerantPems } from '../pem-variants.js';
import { longFormOuterLength, withTrailing } from '../der-edits.js';
import { CN, DESKTOP_DN, issue, unknownExtension, type CertOptions, type DnAttr } from '../ca.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'certificate';
const CERT = 'CERTIFICATE';

export const certificate: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['certificateWire', 'userId', 'serverPublicKeyPemWire'],
  outFields: ['certificateSha256', 'publicKeySha256'],
  async generate(ctx: GenContext) {
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Validate certificateWire (PEM) for userId against the server key (params.serverPublicKeyPemWire, or',
        'in.serverPublicKeyPemWire when set). Valid outputs: SHA-256 of the certificate DER (its fingerprint) and',
        'of the subject SPKI (the key fingerprint that pins record, E2EE-CERT-030). No chain, no dates.',
      ],
      {
        NextcloudQuirks: {
          bugType: 'TOLERANCE',
          description:
            'issuer = subject though not self-signed, serial 0, CA:TRUE, 20 years: as Nextcloud issues.',
          requirements: ['E2EE-CERT-011'],
        },
        Sha1Signature: {
          bugType: 'LEGACY',
          description: 'sha1WithRSAEncryption, as servers before "enforce SHA256" issued.',
          requirements: ['E2EE-CERT-011', 'E2EE-CERT-012'],
        },
        OutsideValidity: {
          bugType: 'TOLERANCE',
          description: 'Expired or not yet valid: dates are not checked.',
          requirements: ['E2EE-CERT-015'],
        },
        IgnoredFields: {
          bugType: 'TOLERANCE',
          description: 'Issuer name, serial and extensions are not interpreted.',
          requirements: ['E2EE-CERT-011'],
        },
        Encoding: {
          bugType: 'MALFORMED_INPUT',
          description: 'Not exactly one DER Certificate, or a field outside the signature varied.',
          requirements: ['E2EE-CERT-010'],
        },
        NotSignedByServer: {
          bugType: 'AUTH_BYPASS',
          description:
            'The signature does not verify with the server key, or uses an algorithm outside the list.',
          requirements: ['E2EE-CERT-012'],
        },
        KeyPolicy: {
          bugType: 'POLICY',
          description: 'Server or subject key outside the RSA policy.',
          requirements: ['E2EE-CERT-013', 'E2EE-KEY-004'],
        },
        WrongUser: {
          bugType: 'CONFUSED_DEPUTY',
          description:
            'The CN is not exactly the expected user id (exact, case-sensitive, no normalisation), or not exactly one CN.',
          requirements: ['E2EE-CERT-014'],
        },
        CheckOrder: {
          bugType: 'BASIC',
          description: "Two faults: the earlier layer's code is reported.",
          requirements: ['E2EE-CERT-017'],
        },
        PemSpelling: {
          bugType: 'TOLERANCE',
          description: 'The certificate PEM with a reader tolerance.',
          requirements: ['E2EE-KEY-011'],
        },
      },
    );
    const server = ctx.key('server');
    const alice = ctx.key('alice');
    const rng = ctx.rng(TYPE);
    const base: CertOptions = {
      issuerPkcs8: server.pkcs8,
      subjectSpki: alice.spki,
      subject: [...DESKTOP_DN, [CN, 'alice']],
      notBefore: new Date(ctx.now.getTime() - 30 * 86_400_000),
    };
    const make = (o: Partial<CertOptions> = {}): Promise<Uint8Array> => issue({ ...base, ...o });
    const valid = (der: Uint8Array, spki = alice.spki) => ({
      result: 'valid' as const,
      certificateSha256: sha256hex(der),
      publicKeySha256: sha256hex(spki),
    });

    b.group({ serverPublicKeyPemWire: strictPem('PUBLIC KEY', server.spki) });
    const accepts: [string, string, string[], Partial<CertOptions>, string?][] = [
      [
        'nextcloud-default',
        'as Nextcloud issues: issuer = subject, serial 0, CA:TRUE critical, 7300 days, SHA-256',
        ['NextcloudQuirks'],
        {},
      ],
      [
        'cn-only-subject',
        'subject is only CN=alice (web and Android CSRs)',
        ['NextcloudQuirks'],
        { subject: [[CN, 'alice']] },
      ],
      ['sha1-signature', 'sha1WithRSAEncryption', ['Sha1Signature'], { hash: 'SHA-1' }],
      ['sha384-signature', 'sha384WithRSAEncryption', [], { hash: 'SHA-384' }],
      ['sha512-signature', 'sha512WithRSAEncryption', [], { hash: 'SHA-512' }],
      [
        'random-serial',
        'a positive 128-bit serial (strict-mode servers)',
        ['IgnoredFields'],
        { serial: new Uint8Array([0x4a, ...rng(15)]) },
      ],
      [
        'large-serial',
        'a 20-byte serial',
        ['IgnoredFields'],
        { serial: new Uint8Array([0x7f, ...rng(19)]) },
      ],
      [
        'issuer-differs',
        'issuer CN=Nextcloud Server CA, not the subject',
        ['IgnoredFields'],
        { issuer: [[CN, 'Nextcloud Server CA']] },
      ],
      [
        'ca-false',
        'basicConstraints CA:FALSE',
        ['IgnoredFields'],
        { basicConstraints: 'ca-false' },
      ],
      [
        'no-basic-constraints',
        'no extensions at all',
        ['IgnoredFields'],
        { basicConstraints: 'none' },
      ],
      [
        'unknown-critical-extension',
        'an unrecognised critical extension',
        ['IgnoredFields'],
        { extraExtensions: [unknownExtension(true)] },
      ],
      [
        'unknown-extension',
        'an unrecognised non-critical extension',
        ['IgnoredFields'],
        { extraExtensions: [unknownExtension(false)] },
      ],
      [
        'expired',
        'notAfter one year before the vector time',
        ['OutsideValidity'],
        { notBefore: new Date(ctx.now.getTime() - 800 * 86_400_000), validityDays: 365 },
      ],
      [
        'not-yet-valid',
        'notBefore one year after the vector time',
        ['OutsideValidity'],
        { notBefore: new Date(ctx.now.getTime() + 365 * 86_400_000) },
      ],
      [
        'generalized-time',
        'validity into 2060 (GeneralizedTime notAfter)',
        ['NextcloudQuirks'],
        { validityDays: 13000 },
      ],
      [
        'cn-printable-string',
        'CN as PrintableString',
        [],
        { subject: [[CN, 'alice', 'printable']] },
      ],
      ['cn-ia5-string', 'CN as IA5String', [], { subject: [[CN, 'alice', 'ia5']] }],
    ];
    for (const [slug, comment, flags, o] of accepts) {
      const der = await make(o);
      b.add({
        slug,
        comment,
        flags,
        requirements: flags.length
          ? ['E2EE-CERT-011', 'E2EE-CERT-012', 'E2EE-CERT-014', 'E2EE-CERT-030']
          : ['E2EE-CERT-012', 'E2EE-CERT-014', 'E2EE-CERT-030'],
        in: { certificateWire: strictPem(CERT, der), userId: 'alice' },
        expect: valid(der),
      });
    }
    for (const [slug, uid] of [
      ['share-user', 's:Ab3dEf9hK2mNpQr'],
      ['uppercase-user', 'Alice'],
      ['email-user', 'alice@example.org'],
      ['unicode-user', 'Jürgen Ñoño'],
      ['space-user', 'alice smith'],
    ] as const) {
      const der = await make({ subject: [[CN, uid]] });
      b.add({
        slug,
        comment: `user id ${JSON.stringify(uid)} as CN, compared exactly`,
        requirements: ['E2EE-CERT-014', 'E2EE-CERT-002'],
        in: { certificateWire: strictPem(CERT, der), userId: uid },
        expect: valid(der),
      });
    }
    for (const name of ['rsa3072', 'rsa4096']) {
      const k = ctx.key(name);
      const der = await make({ subjectSpki: k.spki });
      b.add({
        slug: `subject-key-${name}`,
        comment: `subject key ${name}: inside the policy`,
        requirements: ['E2EE-CERT-013'],
        in: { certificateWire: strictPem(CERT, der), userId: 'alice' },
        expect: valid(der, k.spki),
      });
    }
    const def = await make();
    for (const [slug, pem] of tolerantPems(CERT, def).slice(1, 6)) {
      b.add({
        slug: `pem-${slug}`,
        comment: `certificate PEM ${slug}`,
        flags: ['PemSpelling'],
        requirements: ['E2EE-KEY-011'],
        in: { certificateWire: pem, userId: 'alice' },
        expect: valid(def),
      });
    }
    {
      const big = ctx.key('rsa4096');
      const der = await make({ issuerPkcs8: big.pkcs8 });
      b.add({
        slug: 'server-key-4096',
        comment: 'a 4096-bit server key',
        requirements: ['E2EE-CERT-013'],
        in: {
          certificateWire: strictPem(CERT, der),
          userId: 'alice',
          serverPublicKeyPemWire: strictPem('PUBLIC KEY', big.spki),
        },
        expect: valid(der),
      });
    }

    const reject = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      inp: Record<string, unknown>,
      error: Parameters<typeof b.add>[0]['expect'],
    ) =>
      b.add({
        slug,
        comment,
        flags,
        requirements: reqs,
        in: { userId: 'alice', ...inp },
        expect: error,
      });
    const bad = (
      error:
        | 'CERT_MALFORMED'
        | 'CERT_UNTRUSTED'
        | 'KEY_UNSUPPORTED'
        | 'CERT_USER_MISMATCH'
        | 'PEM_MALFORMED',
    ) => ({ result: 'invalid' as const, error });
    // Encoding.
    const sigUnused = new Uint8Array(def);
    sigUnused[def.length - 257] = 1; // the BIT STRING's unused-bits octet before a 256-byte signature
    const encodings: [string, Uint8Array][] = [
      ['trailing-byte', withTrailing(def)],
      ['truncated', def.subarray(0, def.length - 10)],
      ['ber-long-form-length', longFormOuterLength(def)],
      ['signature-unused-bits', sigUnused],
      ['outer-algorithm-differs', await make({ outerAlgorithm: '1.2.840.113549.1.1.5' })],
      ['not-a-certificate', alice.spki],
    ];
    for (const [slug, der] of encodings)
      reject(
        `encoding-${slug}`,
        `not one well-formed DER certificate: ${slug}`,
        ['Encoding'],
        ['E2EE-CERT-010'],
        { certificateWire: strictPem(CERT, der) },
        bad('CERT_MALFORMED'),
      );
    reject(
      'pem-label-x509',
      'PEM label "X509 CERTIFICATE"',
      ['Encoding'],
      ['E2EE-KEY-012'],
      { certificateWire: strictPem('X509 CERTIFICATE', def) },
      bad('PEM_MALFORMED'),
    );
    reject(
      'pem-two-certificates',
      'two certificates in one PEM text',
      ['Encoding'],
      ['E2EE-KEY-012'],
      { certificateWire: strictPem(CERT, def) + strictPem(CERT, def) },
      bad('PEM_MALFORMED'),
    );
    // Structure: key policy (before the signature).
    for (const name of ['rsa1024', 'rsa2048-e3']) {
      const k = ctx.key(name);
      reject(
        `subject-key-${name}`,
        `subject key ${name}`,
        ['KeyPolicy'],
        ['E2EE-CERT-013'],
        { certificateWire: strictPem(CERT, await make({ subjectSpki: k.spki })) },
        bad('KEY_UNSUPPORTED'),
      );
    }
    {
      const weak = ctx.key('rsa1024');
      reject(
        'server-key-rsa1024',
        'a 1024-bit server key that did sign the certificate',
        ['KeyPolicy'],
        ['E2EE-CERT-013'],
        {
          certificateWire: strictPem(CERT, await make({ issuerPkcs8: weak.pkcs8 })),
          serverPublicKeyPemWire: strictPem('PUBLIC KEY', weak.spki),
        },
        bad('KEY_UNSUPPORTED'),
      );
      reject(
        'order-policy-before-signature',
        '1024-bit subject key and a foreign signature: KEY_UNSUPPORTED first',
        ['KeyPolicy', 'CheckOrder'],
        ['E2EE-CERT-013', 'E2EE-CERT-017'],
        {
          certificateWire: strictPem(
            CERT,
            await make({ subjectSpki: weak.spki, issuerPkcs8: ctx.key('server-other').pkcs8 }),
          ),
        },
        bad('KEY_UNSUPPORTED'),
      );
    }
    // Authentication.
    const flipped = new Uint8Array(def);
    flipped[def.length - 1]! ^= 1;
    const auth: [string, string, Uint8Array][] = [
      [
        'signed-by-other-server',
        'signed by another server key',
        await make({ issuerPkcs8: ctx.key('server-other').pkcs8 }),
      ],
      ['self-signed', 'self-signed by the subject key', await make({ issuerPkcs8: alice.pkcs8 })],
      [
        'signed-by-mallory-same-names',
        'signed by an outsider with identical names and serial',
        await make({ issuerPkcs8: ctx.key('mallory').pkcs8 }),
      ],
      ['signature-flipped', 'last signature bit flipped', flipped],
      ['md5-signature', 'md5WithRSAEncryption by the server key', await make({ hash: 'MD5' })],
    ];
    for (const [slug, comment, der] of auth)
      reject(
        slug,
        comment,
        ['NotSignedByServer'],
        ['E2EE-CERT-012'],
        { certificateWire: strictPem(CERT, der) },
        bad('CERT_UNTRUSTED'),
      );
    {
      const tbsEdited = await make();
      const c = pkijs.Certificate.fromBER(new Uint8Array(tbsEdited));
      c.notBefore = new pkijs.Time({ type: 0, value: new Date(ctx.now.getTime() - 86_400_000) });
      const reencoded = new Uint8Array(c.toSchema(true).toBER());
      reject(
        'tbs-changed-after-signing',
        'notBefore changed after signing',
        ['NotSignedByServer'],
        ['E2EE-CERT-012'],
        { certificateWire: strictPem(CERT, reencoded) },
        bad('CERT_UNTRUSTED'),
      );
    }
    reject(
      'order-untrusted-before-user',
      'signed by another key and CN=bob: CERT_UNTRUSTED first',
      ['NotSignedByServer', 'CheckOrder'],
      ['E2EE-CERT-017'],
      {
        certificateWire: strictPem(
          CERT,
          await make({ issuerPkcs8: ctx.key('server-other').pkcs8, subject: [[CN, 'bob']] }),
        ),
      },
      bad('CERT_UNTRUSTED'),
    );
    // Policy: the user.
    const users: [string, string, readonly DnAttr[]][] = [
      ['other-user', 'CN=bob for alice', [[CN, 'bob']]],
      ['case-differs', 'CN=Alice for alice', [[CN, 'Alice']]],
      ['trailing-space', 'CN="alice " for alice', [[CN, 'alice ']]],
      ['no-cn', 'subject without CN', [['2.5.4.10', 'alice']]],
      [
        'two-cns',
        'two CN attributes',
        [
          [CN, 'alice'],
          [CN, 'alice'],
        ],
      ],
      ['share-prefix-missing', 'CN=s:alice for alice', [[CN, 's:alice']]],
      ['nfd-vs-nfc', 'CN "Jürgen" in NFD for user id in NFC', [[CN, 'Ju\u0308rgen']]],
      ['homoglyph', 'CN with Cyrillic а for alice', [[CN, '\u0430lice']]],
    ];
    for (const [slug, comment, subject] of users) {
      reject(
        `user-${slug}`,
        comment,
        ['WrongUser'],
        ['E2EE-CERT-014'],
        {
          certificateWire: strictPem(CERT, await make({ subject })),
          userId: slug === 'nfd-vs-nfc' ? 'J\u00fcrgen' : 'alice',
        },
        bad('CERT_USER_MISMATCH'),
      );
    }
    return b.file;
  },
  async run(test, group) {
    const i = test.in as {
      certificateWire: string;
      userId: string;
      serverPublicKeyPemWire?: string;
    };
    return verdict(() => {
      const cert = verifyUserCertificate({
        certificate: i.certificateWire,
        serverPublicKey:
          i.serverPublicKeyPemWire ?? (group.params.serverPublicKeyPemWire as string),
        userId: i.userId,
      });
      return {
        certificateSha256: certificateFingerprint(cert.der),
        publicKeySha256: spkiFingerprint(cert.spki),
      };
    });
  },
};
