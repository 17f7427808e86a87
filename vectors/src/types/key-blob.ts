/**
 * `key-blob` (primitives): opening the encrypted private-key blob with the mnemonic
 * (spec/04-recovery.md §3–§5): both separators, 12- and 16-byte IVs, all three KDF variants, the
 * base64(PEM) plaintext layer, and every syntax reject (E2EE-REC-011, -020..-025).
 *
 * @module
 */
import { createCipheriv, pbkdf2Sync } from 'node:crypto';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  kdfName,
  WRITE_KDF,
  type KdfVariant,
} from '../../../reference/src/keyblob/index.js';
import { generateMnemonic } from '../../../reference/src/mnemonic/index.js';
import { recoverPrivateKey } from '../../../reference/src/recovery/index.js';
import { world } from '../world.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, flip, sha256hex } from '../repr.js';
import { strictPem, tolerantPems } from '../pem-variants.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'key-blob';
const FAST: KdfVariant = { prf: 'sha1', iterations: 1024 };
const SLOW_SHA1: KdfVariant = { prf: 'sha1', iterations: 600_000 };

interface BlobSpec {
  password: string;
  salt: Uint8Array;
  iv: Uint8Array;
  kdf: KdfVariant;
  plaintext: Uint8Array;
  separator?: '|' | 'fA==';
}

/** Seals a blob the way a client writes it, with every part chosen by the caller. */
function sealBlob(s: BlobSpec): { sealed: Uint8Array; text: string } {
  const key = pbkdf2Sync(s.password, s.salt, s.kdf.iterations, 32, s.kdf.prf);
  const c = createCipheriv('aes-256-gcm', key, s.iv);
  const sealed = new Uint8Array(Buffer.concat([c.update(s.plaintext), c.final(), c.getAuthTag()]));
  return { sealed, text: [b64(sealed), b64(s.iv), b64(s.salt)].join(s.separator ?? '|') };
}

/** The blob plaintext: ASCII base64 of the UTF-8 PEM (the undocumented extra layer). */
function plaintextOf(pem: string): Uint8Array {
  return new TextEncoder().encode(Buffer.from(pem, 'utf8').toString('base64'));
}

export const keyBlob: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['blobWire', 'mnemonicWire', 'certificateWire', 'userId'],
  outFields: ['privateKeySha256', 'kdf'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Opening a private-key blob b64(ct‖tag)|b64(iv)|b64(salt) with a mnemonic: try PBKDF2 sha1/1024, sha256/600000',
        'and sha1/600000 (the GCM tag decides), AES-256-GCM, then base64-decode the plaintext to a PEM "PRIVATE KEY".',
        'Valid outputs: SHA-256 of the PKCS#8 DER and the name of the KDF variant that opened it.',
      ],
      {
        LegacySeparator: {
          bugType: 'LEGACY',
          description:
            'The pre-2020 "fA==" separator (base64 of "|"), read when the blob has no "|".',
          requirements: ['E2EE-REC-022'],
        },
        Iv16: {
          bugType: 'TOLERANCE',
          description: 'A 16-byte IV, which older clients wrote.',
          requirements: ['E2EE-REC-022'],
        },
        LegacyKdf: {
          bugType: 'LEGACY',
          description: 'A blob under a legacy PBKDF2 variant.',
          requirements: ['E2EE-REC-011'],
        },
        PemSpelling: {
          bugType: 'TOLERANCE',
          description:
            'The PEM inside the blob written with a reader tolerance (line width, CRLF, no final newline).',
          requirements: ['E2EE-REC-024', 'E2EE-KEY-011'],
        },
        BlobSyntax: {
          bugType: 'MALFORMED_INPUT',
          description: 'Rejected before any key derivation (parts, base64, lengths).',
          requirements: ['E2EE-REC-023'],
        },
        PlaintextLayer: {
          bugType: 'MALFORMED_INPUT',
          description: 'The tag verifies but the plaintext is not base64 of a PEM "PRIVATE KEY".',
          requirements: ['E2EE-REC-024', 'E2EE-REC-025'],
        },
        Tampered: {
          bugType: 'AUTH_BYPASS',
          description: 'No variant verifies the tag: wrong mnemonic or modified blob.',
          requirements: ['E2EE-REC-011', 'E2EE-REC-025'],
        },
      },
    );
    const w = await world(ctx);
    const alice = ctx.key('alice');
    const mnemonic = generateMnemonic(rng);
    const password = mnemonic.join('');
    const mnemonicWire = mnemonic.join(' ');
    const pemA = strictPem('PRIVATE KEY', alice.pkcs8);
    const ok = { result: 'valid' as const, privateKeySha256: sha256hex(alice.pkcs8) };

    b.group({ cipher: 'AES-256-GCM', saltBytes: 40, tagBytes: 16 });
    const writerBlob = await encryptPrivateKey(alice.pkcs8, mnemonic, { rng, kdf: WRITE_KDF });
    b.add({
      slug: 'writer-form',
      comment: 'the form every writer emits: "|", 12-byte IV, PBKDF2-SHA256/600000',
      requirements: ['E2EE-REC-010', 'E2EE-REC-012', 'E2EE-REC-020', 'E2EE-REC-024'],
      in: { blobWire: writerBlob, mnemonicWire },
      expect: { ...ok, kdf: kdfName(WRITE_KDF) },
    });
    const cases: [string, string[], Partial<BlobSpec>, string][] = [
      ['sha1-1024-iv12', ['LegacyKdf'], {}, 'E2EE-REC-011'],
      ['sha1-1024-iv16', ['LegacyKdf', 'Iv16'], { iv: rng(16) }, 'E2EE-REC-022'],
      [
        'sha1-1024-fA-separator-iv16',
        ['LegacyKdf', 'LegacySeparator', 'Iv16'],
        { iv: rng(16), separator: 'fA==' },
        'E2EE-REC-022',
      ],
      [
        'sha1-1024-fA-separator-iv12',
        ['LegacyKdf', 'LegacySeparator'],
        { separator: 'fA==' },
        'E2EE-REC-022',
      ],
      ['sha1-600000-iv16', ['LegacyKdf', 'Iv16'], { kdf: SLOW_SHA1, iv: rng(16) }, 'E2EE-REC-011'],
    ];
    for (const [pemSlug, pem] of tolerantPems('PRIVATE KEY', alice.pkcs8).slice(1)) {
      cases.push([
        `pem-${pemSlug}`,
        ['LegacyKdf', 'PemSpelling'],
        { plaintext: plaintextOf(pem) },
        'E2EE-REC-024',
      ]);
    }
    for (const [slug, flags, over, req] of cases) {
      const spec: BlobSpec = {
        password,
        salt: rng(40),
        iv: rng(12),
        kdf: FAST,
        plaintext: plaintextOf(pemA),
        ...over,
      };
      b.add({
        slug,
        comment: `${kdfName(spec.kdf)}, ${spec.iv.length}-byte IV, separator ${spec.separator ?? '|'}`,
        flags,
        requirements: [req],
        in: { blobWire: sealBlob(spec).text, mnemonicWire },
        expect: { ...ok, kdf: kdfName(spec.kdf) },
      });
    }
    b.add({
      slug: 'mnemonic-typed-differently',
      comment: 'the mnemonic in upper case with newlines opens the same blob',
      requirements: ['E2EE-REC-003', 'E2EE-REC-005'],
      in: {
        blobWire: sealBlob({
          password,
          salt: rng(40),
          iv: rng(12),
          kdf: FAST,
          plaintext: plaintextOf(pemA),
        }).text,
        mnemonicWire: mnemonic.join('\n').toUpperCase(),
      },
      expect: { ...ok, kdf: kdfName(FAST) },
    });

    const base = sealBlob({
      password,
      salt: rng(40),
      iv: rng(12),
      kdf: FAST,
      plaintext: plaintextOf(pemA),
    });
    const [ct, iv, salt] = base.text.split('|') as [string, string, string];
    const syntax: [string, string][] = [
      ['empty', ''],
      ['two-parts', `${ct}|${iv}`],
      ['four-parts', `${ct}|${iv}|${salt}|${salt}`],
      ['mixed-separators', `${ct}|${iv}fA==${salt}`],
      ['empty-iv', `${ct}||${salt}`],
      ['iv-8-bytes', `${ct}|${b64(rng(8))}|${salt}`],
      ['iv-20-bytes', `${ct}|${b64(rng(20))}|${salt}`],
      ['salt-32-bytes', `${ct}|${iv}|${b64(rng(32))}`],
      ['salt-41-bytes', `${ct}|${iv}|${b64(rng(41))}`],
      ['sealed-16-bytes', `${b64(rng(16))}|${iv}|${salt}`],
      ['unpadded-base64', `${ct.replace(/=+$/, '')}|${iv}|${salt}`],
      ['base64-with-newline', `${ct.slice(0, 40)}\n${ct.slice(40)}|${iv}|${salt}`],
      [
        'url-safe-base64',
        `${ct.replace(/\+/g, '-').replace(/\//g, '_')}|${iv}|${salt}`.includes('-') ||
        ct.includes('/')
          ? `${ct.replace(/\+/g, '-').replace(/\//g, '_')}|${iv}|${salt}`
          : `-${ct.slice(1)}|${iv}|${salt}`,
      ],
      ['trailing-newline', `${base.text}\n`],
      ['leading-space', ` ${base.text}`],
      ['fA-with-pipe-in-base64', `${ct}fA==${iv}|${salt}`],
    ];
    for (const [slug, blobWire] of syntax) {
      b.add({
        slug: `syntax-${slug}`,
        comment: `rejected before key derivation: ${slug}`,
        flags: ['BlobSyntax'],
        requirements: ['E2EE-REC-023'],
        in: { blobWire, mnemonicWire },
        expect: { result: 'invalid', error: 'KEY_BLOB_MALFORMED' },
      });
    }
    const layer: [string, Uint8Array, 'KEY_BLOB_MALFORMED' | 'KEY_MALFORMED'][] = [
      ['pem-without-base64-layer', new TextEncoder().encode(pemA), 'KEY_BLOB_MALFORMED'],
      [
        'base64-of-pkcs1-label',
        plaintextOf(strictPem('RSA PRIVATE KEY', alice.pkcs8)),
        'KEY_BLOB_MALFORMED',
      ],
      ['base64-of-der-not-pem', new TextEncoder().encode(b64(alice.pkcs8)), 'KEY_BLOB_MALFORMED'],
      [
        'base64-of-public-key-pem',
        plaintextOf(strictPem('PUBLIC KEY', alice.spki)),
        'KEY_BLOB_MALFORMED',
      ],
      [
        'base64-of-spki-under-private-label',
        plaintextOf(strictPem('PRIVATE KEY', alice.spki)),
        'KEY_MALFORMED',
      ],
      [
        'base64-layer-with-line-breaks',
        new TextEncoder().encode(
          Buffer.from(pemA)
            .toString('base64')
            .replace(/(.{76})/g, '$1\n'),
        ),
        'KEY_BLOB_MALFORMED',
      ],
    ];
    for (const [slug, plaintext, error] of layer) {
      b.add({
        slug: `plaintext-${slug}`,
        comment: `the tag verifies, the plaintext is wrong: ${slug}`,
        flags: ['PlaintextLayer'],
        requirements: ['E2EE-REC-024', 'E2EE-REC-025'],
        in: {
          blobWire: sealBlob({ password, salt: rng(40), iv: rng(12), kdf: FAST, plaintext }).text,
          mnemonicWire,
        },
        expect: { result: 'invalid', error },
      });
    }
    const other = generateMnemonic(rng);
    b.add({
      slug: 'wrong-mnemonic',
      comment: 'a valid mnemonic that is not the one the blob was written with',
      flags: ['Tampered'],
      requirements: ['E2EE-REC-011'],
      in: { blobWire: base.text, mnemonicWire: other.join(' ') },
      expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
    });
    b.add({
      slug: 'ciphertext-flipped',
      comment: 'one bit of the sealed part flipped',
      flags: ['Tampered'],
      requirements: ['E2EE-REC-011', 'E2EE-REC-025'],
      in: { blobWire: `${b64(flip(base.sealed, 3))}|${iv}|${salt}`, mnemonicWire },
      expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
    });
    b.add({
      slug: 'invalid-mnemonic',
      comment: 'an 11-word mnemonic: rejected before any key derivation',
      requirements: ['E2EE-REC-004'],
      in: { blobWire: base.text, mnemonicWire: mnemonic.slice(0, 11).join(' ') },
      expect: { result: 'invalid', error: 'MNEMONIC_INVALID' },
    });

    // Recovery: the blob opened AND the key checked against the user's own certificate.
    b.group({ operation: 'recover', serverPublicKeyPemWire: w.serverPublicKeyPem });
    const recBlob = sealBlob({
      password,
      salt: rng(40),
      iv: rng(12),
      kdf: FAST,
      plaintext: plaintextOf(pemA),
    }).text;
    const foreign = await w.certify('alice', alice, ctx.key('server-other'));
    const recover: [
      string,
      string,
      string,
      string,
      Parameters<typeof b.add>[0]['expect'],
      string[],
    ][] = [
      [
        'recover-own-certificate',
        "the blob holds the key of alice's own, server-issued certificate",
        w.alice.certificatePem,
        'alice',
        { ...ok, kdf: kdfName(FAST) },
        ['E2EE-REC-030', 'E2EE-REC-031', 'E2EE-CERT-016'],
      ],
      [
        'recover-certificate-other-key',
        "alice's certificate (valid, CN=alice) holds bob's key",
        (await w.certify('alice', ctx.key('bob'))).certificatePem,
        'alice',
        { result: 'invalid', error: 'KEY_MISMATCH' },
        ['E2EE-REC-030', 'E2EE-CERT-016'],
      ],
      [
        'recover-certificate-foreign-server',
        "alice's certificate is not signed by the server key",
        foreign.certificatePem,
        'alice',
        { result: 'invalid', error: 'CERT_UNTRUSTED' },
        ['E2EE-REC-031'],
      ],
      [
        'recover-certificate-other-user',
        'the certificate names bob',
        w.bob.certificatePem,
        'alice',
        { result: 'invalid', error: 'CERT_USER_MISMATCH' },
        ['E2EE-REC-031'],
      ],
    ];
    for (const [slug, comment, certificateWire, userId, expect, reqs] of recover) {
      b.add({
        slug,
        comment,
        requirements: reqs,
        in: { blobWire: recBlob, mnemonicWire, certificateWire, userId },
        expect,
      });
    }
    return b.file;
  },
  async run(test, group) {
    const i = test.in as {
      blobWire: string;
      mnemonicWire: string;
      certificateWire?: string;
      userId?: string;
    };
    return verdict(async () => {
      const r =
        group.params.operation === 'recover'
          ? await recoverPrivateKey({
              blob: i.blobWire,
              mnemonic: i.mnemonicWire,
              certificate: i.certificateWire!,
              userId: i.userId!,
              serverPublicKey: group.params.serverPublicKeyPemWire as string,
            })
          : await decryptPrivateKey(i.blobWire, i.mnemonicWire);
      return { privateKeySha256: sha256hex(r.pkcs8), kdf: kdfName(r.kdf) };
    });
  },
};
