/**
 * `csr` (primitives): the checks a server makes on a CSR before it issues a certificate
 * (E2EE-CERT-005, -051, -052), and that a client's own CSR has the profile of E2EE-CERT-001.
 * The runner applies the server's decision with the reference's CSR parser: PEM and DER errors,
 * then a subject with exactly one CN (else 403 CERT_USER_MISMATCH), the self-signature
 * (CSR_INVALID), then CN equal to the authenticated user (CERT_USER_MISMATCH).
 *
 * @module
 */
import { createCsr, csrToPem, parseCsr } from '../../../reference/src/certs/index.js';
import { isSealfoldError, SealfoldError } from '../../../reference/src/errors/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { sha256hex } from '../repr.js';
import { strictPem, tolerantPems } from '../pem-variants.js';
import { withTrailing } from '../der-edits.js';
import { CN, DESKTOP_DN, csr, type DnAttr, type SigHash } from '../ca.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'csr';
const LABEL = 'CERTIFICATE REQUEST';

/** The server's issuance decision on a CSR for the authenticated user `userId`. */
function serverDecision(
  csrWire: string,
  userId: string,
): { publicKeySha256: string; subjectCn: string } {
  let parsed;
  try {
    parsed = parseCsr(csrWire);
  } catch (e) {
    // E2EE-CERT-052: a subject without exactly one CN cannot name the user: 403.
    if (isSealfoldError(e, 'CSR_INVALID'))
      throw new SealfoldError('CERT_USER_MISMATCH', 'not exactly one CN');
    throw e;
  }
  // E2EE-CERT-051: proof of possession.
  if (!parsed.signatureValid)
    throw new SealfoldError('CSR_INVALID', 'the self-signature does not verify');
  // E2EE-CERT-052: CN equal to the authenticated user.
  if (parsed.subjectCn !== userId)
    throw new SealfoldError('CERT_USER_MISMATCH', 'CN is not the user');
  return { publicKeySha256: sha256hex(parsed.spki), subjectCn: parsed.subjectCn };
}

export const csrVectors: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['csrWire', 'userId'],
  outFields: ['publicKeySha256', 'subjectCn'],
  async generate(ctx: GenContext) {
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'A server receiving csrWire from the authenticated userId: issue (valid; outputs the SHA-256 of the',
        'requested SPKI and the CN) or refuse with the code the spec names.',
      ],
      {
        ClientProfile: {
          bugType: 'BASIC',
          description:
            'A CSR as E2EE-CERT-001 requires clients to write it (made by the reference).',
          requirements: ['E2EE-CERT-001', 'E2EE-CERT-002'],
        },
        OtherClientForms: {
          bugType: 'TOLERANCE',
          description: 'A CSR another client writes (desktop DN prefix, SHA-1, PEM spellings).',
          requirements: ['E2EE-CERT-005', 'E2EE-KEY-011'],
        },
        Encoding: {
          bugType: 'MALFORMED_INPUT',
          description: 'Not one DER PKCS#10 request, or a PEM error.',
          requirements: ['E2EE-CERT-005', 'E2EE-CERT-051'],
        },
        NoProofOfPossession: {
          bugType: 'AUTH_BYPASS',
          description: 'The self-signature does not verify with the requested key.',
          requirements: ['E2EE-CERT-051', 'E2EE-CERT-005'],
        },
        WrongUser: {
          bugType: 'CONFUSED_DEPUTY',
          description: 'The subject does not have exactly one CN equal to the authenticated user.',
          requirements: ['E2EE-CERT-052'],
        },
      },
    );
    const alice = ctx.key('alice');
    const bob = ctx.key('bob');
    const ok = (cn: string, spki = alice.spki) => ({
      result: 'valid' as const,
      publicKeySha256: sha256hex(spki),
      subjectCn: cn,
    });
    b.group({ server: 'issue-for-authenticated-user' });
    for (const uid of ['alice', 's:Ab3dEf9hK2mNpQr', 'Alice Smith', 'jürgen@example.org']) {
      const der = await createCsr(alice.pkcs8, uid);
      b.add({
        slug: `client-profile-${sha256hex(uid).slice(0, 8)}`,
        comment: `the reference's CSR for ${JSON.stringify(uid)}`,
        flags: ['ClientProfile'],
        requirements: ['E2EE-CERT-001', 'E2EE-CERT-002', 'E2EE-CERT-052'],
        in: { csrWire: csrToPem(der), userId: uid },
        expect: ok(uid),
      });
    }
    const forms: [string, readonly DnAttr[], SigHash][] = [
      ['desktop-dn-prefix', [...DESKTOP_DN, [CN, 'alice']], 'SHA-256'],
      ['sha1-signature', [[CN, 'alice']], 'SHA-1'],
      ['sha512-signature', [[CN, 'alice']], 'SHA-512'],
      ['cn-printable-string', [[CN, 'alice', 'printable']], 'SHA-256'],
    ];
    for (const [slug, subject, hash] of forms) {
      const der = await csr({ signerPkcs8: alice.pkcs8, spki: alice.spki, subject, hash });
      b.add({
        slug,
        comment: `accepted: ${slug}`,
        flags: ['OtherClientForms'],
        requirements: ['E2EE-CERT-005', 'E2EE-CERT-051'],
        in: { csrWire: strictPem(LABEL, der), userId: 'alice' },
        expect: ok('alice'),
      });
    }
    const plain = await csr({
      signerPkcs8: alice.pkcs8,
      spki: alice.spki,
      subject: [[CN, 'alice']],
    });
    for (const [slug, pem] of tolerantPems(LABEL, plain).slice(1, 5)) {
      b.add({
        slug: `pem-${slug}`,
        comment: `CSR PEM ${slug}`,
        flags: ['OtherClientForms'],
        requirements: ['E2EE-KEY-011'],
        in: { csrWire: pem, userId: 'alice' },
        expect: ok('alice'),
      });
    }
    const rejects: [
      string,
      string,
      string,
      Record<string, unknown>,
      string[],
      'CSR_MALFORMED' | 'PEM_MALFORMED' | 'CSR_INVALID' | 'CERT_USER_MISMATCH',
    ][] = [
      [
        'pem-label-new',
        'label NEW CERTIFICATE REQUEST',
        'Encoding',
        { csrWire: strictPem('NEW CERTIFICATE REQUEST', plain) },
        ['E2EE-CERT-005'],
        'PEM_MALFORMED',
      ],
      [
        'der-trailing-byte',
        'a byte after the request',
        'Encoding',
        { csrWire: strictPem(LABEL, withTrailing(plain)) },
        ['E2EE-CERT-005', 'E2EE-CERT-051'],
        'CSR_MALFORMED',
      ],
      [
        'der-truncated',
        'truncated request',
        'Encoding',
        { csrWire: strictPem(LABEL, plain.subarray(0, plain.length - 20)) },
        ['E2EE-CERT-005', 'E2EE-CERT-051'],
        'CSR_MALFORMED',
      ],
      [
        'der-certificate-not-csr',
        'an SPKI under the CSR label',
        'Encoding',
        { csrWire: strictPem(LABEL, alice.spki) },
        ['E2EE-CERT-005'],
        'CSR_MALFORMED',
      ],
      [
        'signed-by-other-key',
        "alice's key requested, signed by bob",
        'NoProofOfPossession',
        {
          csrWire: strictPem(
            LABEL,
            await csr({ signerPkcs8: bob.pkcs8, spki: alice.spki, subject: [[CN, 'alice']] }),
          ),
        },
        ['E2EE-CERT-051'],
        'CSR_INVALID',
      ],
      [
        'md5-signature',
        'md5WithRSAEncryption self-signature',
        'NoProofOfPossession',
        {
          csrWire: strictPem(
            LABEL,
            await csr({
              signerPkcs8: alice.pkcs8,
              spki: alice.spki,
              subject: [[CN, 'alice']],
              hash: 'MD5',
            }),
          ),
        },
        ['E2EE-CERT-005', 'E2EE-CERT-051'],
        'CSR_INVALID',
      ],
      [
        'signature-flipped',
        'last signature bit flipped',
        'NoProofOfPossession',
        {
          csrWire: strictPem(
            LABEL,
            (() => {
              const c = new Uint8Array(plain);
              c[c.length - 1]! ^= 1;
              return c;
            })(),
          ),
        },
        ['E2EE-CERT-051'],
        'CSR_INVALID',
      ],
      [
        'cn-other-user',
        'CN=bob from alice',
        'WrongUser',
        {
          csrWire: strictPem(
            LABEL,
            await csr({ signerPkcs8: alice.pkcs8, spki: alice.spki, subject: [[CN, 'bob']] }),
          ),
        },
        ['E2EE-CERT-052'],
        'CERT_USER_MISMATCH',
      ],
      [
        'cn-case-differs',
        'CN=ALICE from alice',
        'WrongUser',
        {
          csrWire: strictPem(
            LABEL,
            await csr({ signerPkcs8: alice.pkcs8, spki: alice.spki, subject: [[CN, 'ALICE']] }),
          ),
        },
        ['E2EE-CERT-052'],
        'CERT_USER_MISMATCH',
      ],
      [
        'cn-share-not-owned',
        'CN=s:token the user does not own',
        'WrongUser',
        {
          csrWire: strictPem(
            LABEL,
            await csr({
              signerPkcs8: alice.pkcs8,
              spki: alice.spki,
              subject: [[CN, 's:ZZZZZZZZZZZZZZZ']],
            }),
          ),
        },
        ['E2EE-CERT-052'],
        'CERT_USER_MISMATCH',
      ],
      [
        'no-cn',
        'subject O=alice only',
        'WrongUser',
        {
          csrWire: strictPem(
            LABEL,
            await csr({
              signerPkcs8: alice.pkcs8,
              spki: alice.spki,
              subject: [['2.5.4.10', 'alice']],
            }),
          ),
        },
        ['E2EE-CERT-052', 'E2EE-CERT-005'],
        'CERT_USER_MISMATCH',
      ],
      [
        'two-cns',
        'CN=alice twice',
        'WrongUser',
        {
          csrWire: strictPem(
            LABEL,
            await csr({
              signerPkcs8: alice.pkcs8,
              spki: alice.spki,
              subject: [
                [CN, 'alice'],
                [CN, 'alice'],
              ],
            }),
          ),
        },
        ['E2EE-CERT-052', 'E2EE-CERT-005'],
        'CERT_USER_MISMATCH',
      ],
      [
        'two-cns-other-first',
        'CN=bob then CN=alice',
        'WrongUser',
        {
          csrWire: strictPem(
            LABEL,
            await csr({
              signerPkcs8: alice.pkcs8,
              spki: alice.spki,
              subject: [
                [CN, 'bob'],
                [CN, 'alice'],
              ],
            }),
          ),
        },
        ['E2EE-CERT-052', 'E2EE-CERT-005'],
        'CERT_USER_MISMATCH',
      ],
    ];
    for (const [slug, comment, flag, inp, reqs, error] of rejects) {
      b.add({
        slug,
        comment,
        flags: [flag],
        requirements: reqs,
        in: { userId: 'alice', ...inp },
        expect: { result: 'invalid', error },
      });
    }
    return b.file;
  },
  async run(test) {
    const i = test.in as { csrWire: string; userId: string };
    return verdict(() => serverDecision(i.csrWire, i.userId));
  },
};
