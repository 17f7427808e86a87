/**
 * `chain` (chains): one member's whole read path, every intermediate value exposed so that a
 * failure points at one step (MLS key-schedule style): mnemonic → KDF password → blob key →
 * private key → metadata signature → metadata key → inner document → file key → plaintext.
 *
 * @module
 */
import { createCipheriv } from 'node:crypto';
import { mnemonicPassword, generateMnemonic } from '../../../reference/src/mnemonic/index.js';
import {
  deriveBlobKey,
  decryptPrivateKey,
  encryptPrivateKey,
  kdfName,
  parseKeyBlob,
  WRITE_KDF,
  type KdfVariant,
} from '../../../reference/src/keyblob/index.js';
import { decryptMetadata, parseMetadataDocumentV2 } from '../../../reference/src/metadata/index.js';
import {
  metadataSignedContent,
  verifyMetadataSignature,
} from '../../../reference/src/signature/index.js';
import { rsaOaepUnwrap } from '../../../reference/src/_internal/rsa-oaep.js';
import { aesGcmDecrypt } from '../../../reference/src/_internal/aesgcm.js';
import { publicKeyFromPem } from '../../../reference/src/keys/index.js';
import { decryptFile } from '../../../reference/src/files/index.js';
import { canonicalJson, type JsonObject } from '../../../reference/src/_internal/json.js';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import { VectorFileBuilder, type Expect } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, digestOf, flip, hex, sha256hex, unhex } from '../repr.js';
import { buildDoc, fileEntry, innerPlaintext, seal } from '../metadata-docs.js';
import { buildCms, OID } from '../cms.js';
import { world, type Actor } from '../world.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'chain';

interface ChainIn {
  readonly userId: string;
  readonly mnemonicWire: string;
  readonly privateKeyBlobWire: string;
  readonly documentWire: string;
  readonly signatureWire: string;
  readonly members: { userId: string; certificatePemWire: string }[];
  readonly serverPublicKeyPemWire: string;
  readonly fileId: string;
  readonly bodyHex: string;
}

interface ChainSpec {
  readonly slug: string;
  readonly comment: string;
  readonly reader: Actor;
  readonly blobKdf: KdfVariant;
  readonly blobIv?: 12 | 16;
  readonly separator?: '|' | 'fA==';
  readonly metaNonce?: 12 | 16;
  readonly suffix?: boolean;
  readonly fileNonce?: 12 | 16;
  readonly plaintextLength: number;
  readonly signer: 'reader' | 'other';
  readonly desktopCms?: boolean;
  readonly fault?: 'body-flipped' | 'wrong-mnemonic' | 'document-changed' | 'other-body';
  readonly flags?: string[];
}

/** The reference, step by step; returns every intermediate output. */
async function runChain(i: ChainIn): Promise<Record<string, unknown>> {
  const steps: { op: string; out: Record<string, unknown> }[] = [];
  const password = mnemonicPassword(i.mnemonicWire);
  steps.push({ op: 'mnemonic-password', out: { password } });
  const blob = parseKeyBlob(i.privateKeyBlobWire);
  const opened = await decryptPrivateKey(i.privateKeyBlobWire, i.mnemonicWire);
  const blobKey = await deriveBlobKey(password, blob.salt, opened.kdf);
  steps.push({
    op: 'blob-key',
    out: { kdf: kdfName(opened.kdf), saltHex: hex(blob.salt), blobKeyHex: hex(blobKey) },
  });
  steps.push({ op: 'private-key', out: { privateKeySha256: sha256hex(opened.pkcs8) } });
  const members = i.members.map((m) => ({ userId: m.userId, certificate: m.certificatePemWire }));
  const verified = await verifyMetadataSignature({
    outer: i.documentWire,
    signature: i.signatureWire,
    members,
  });
  steps.push({
    op: 'verify-signature',
    out: {
      signedContentSha256: sha256hex(metadataSignedContent(i.documentWire)),
      signerUserId: verified.signerUserId,
    },
  });
  const doc = parseMetadataDocumentV2(i.documentWire);
  const own = doc.users.find((u) => u.userId === i.userId);
  if (own === undefined) throw new SealfoldError('METADATA_KEY_MISSING');
  steps.push({
    op: 'unwrap-metadata-key',
    out: { metadataKeyHex: hex(rsaOaepUnwrap(opened.pkcs8, own.encryptedMetadataKey)) },
  });
  const d = decryptMetadata({
    document: doc,
    userId: i.userId,
    privateKey: opened.pkcs8,
    serverPublicKey: publicKeyFromPem(i.serverPublicKeyPemWire),
  });
  const innerPlain = aesGcmDecrypt(d.metadataKey, doc.nonce, doc.ciphertext);
  steps.push({
    op: 'decrypt-metadata',
    out: { innerGzipSha256: sha256hex(innerPlain), counter: d.inner.counter, digest: d.digest },
  });
  const f = d.inner.files[i.fileId];
  if (f === undefined) throw new SealfoldError('NOT_FOUND', 'no such file in the metadata');
  steps.push({
    op: 'file-key',
    out: {
      fileKeyHex: hex(f.key),
      nonceHex: hex(f.nonce),
      tagHex: hex(f.authenticationTag),
      filename: f.filename,
    },
  });
  const pt = decryptFile(unhex(i.bodyHex), {
    key: f.key,
    nonce: f.nonce,
    tag: f.authenticationTag,
  });
  steps.push({ op: 'decrypt-file', out: { plaintext: digestOf(pt) } });
  return { steps };
}

export const chain: VectorType = {
  type: TYPE,
  family: 'chains',
  inFields: [
    'userId',
    'mnemonicWire',
    'privateKeyBlobWire',
    'documentWire',
    'signatureWire',
    'members',
    'serverPublicKeyPemWire',
    'fileId',
    'bodyHex',
  ],
  outFields: ['steps'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const w = await world(ctx);
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        "A member's read path from the mnemonic to a file's plaintext. expect.steps lists, in order, the output",
        'of each operation (mnemonic-password, blob-key, private-key, verify-signature, unwrap-metadata-key,',
        'decrypt-metadata, file-key, decrypt-file); an invalid chain names the error of the step that fails.',
      ],
      {
        LegacyBlob: {
          bugType: 'LEGACY',
          description: 'The private-key blob under a legacy KDF, 16-byte IV or fA== separator.',
          requirements: ['E2EE-REC-011', 'E2EE-REC-022'],
        },
        DesktopForm: {
          bugType: 'TOLERANCE',
          description:
            'Metadata with a 16-byte nonce and |nonce suffix, desktop CMS encoding, 16-byte file nonce.',
          requirements: ['E2EE-META-006', 'E2EE-META-008', 'E2EE-FILE-003', 'E2EE-META-118'],
        },
        BrokenStep: {
          bugType: 'AUTH_BYPASS',
          description: 'One input was changed; the chain must stop at the step that reads it.',
          requirements: ['E2EE-FILE-006', 'E2EE-REC-011', 'E2EE-META-121'],
        },
      },
    );
    b.group({ path: 'mnemonic-to-plaintext' });
    const specs: ChainSpec[] = [
      {
        slug: 'web-writer-alice',
        comment: 'writer forms everywhere, alice reads what she wrote',
        reader: w.alice,
        blobKdf: WRITE_KDF,
        plaintextLength: 1000,
        signer: 'reader',
      },
      {
        slug: 'web-writer-bob-reads',
        comment: 'bob reads a folder alice signed',
        reader: w.bob,
        blobKdf: WRITE_KDF,
        plaintextLength: 0,
        signer: 'other',
      },
      {
        slug: 'desktop-forms',
        comment: 'desktop forms: 16-byte nonces, suffix, rsaEncryption CMS',
        reader: w.alice,
        blobKdf: WRITE_KDF,
        metaNonce: 16,
        suffix: true,
        fileNonce: 16,
        plaintextLength: 5000,
        signer: 'other',
        desktopCms: true,
        flags: ['DesktopForm'],
      },
      {
        slug: 'legacy-blob-sha1-1024',
        comment: 'a pre-2023 blob (sha1/1024, 16-byte IV, fA==)',
        reader: w.bob,
        blobKdf: { prf: 'sha1', iterations: 1024 },
        blobIv: 16,
        separator: 'fA==',
        plaintextLength: 17,
        signer: 'reader',
        flags: ['LegacyBlob'],
      },
      {
        slug: 'legacy-blob-sha1-600000',
        comment: 'an interim blob (sha1/600000)',
        reader: w.carol,
        blobKdf: { prf: 'sha1', iterations: 600_000 },
        plaintextLength: 64,
        signer: 'other',
        flags: ['LegacyBlob'],
      },
      {
        slug: 'broken-file-body',
        comment: 'the file body has one bit flipped: decrypt-file fails',
        reader: w.alice,
        blobKdf: { prf: 'sha1', iterations: 1024 },
        plaintextLength: 100,
        signer: 'reader',
        fault: 'body-flipped',
        flags: ['BrokenStep'],
      },
      {
        slug: 'broken-other-body',
        comment: 'the body of another file (same length) is served: the recorded tag differs',
        reader: w.alice,
        blobKdf: { prf: 'sha1', iterations: 1024 },
        plaintextLength: 100,
        signer: 'reader',
        fault: 'other-body',
        flags: ['BrokenStep'],
      },
      {
        slug: 'broken-document',
        comment: 'the document changed after signing: verify-signature fails',
        reader: w.alice,
        blobKdf: { prf: 'sha1', iterations: 1024 },
        plaintextLength: 10,
        signer: 'reader',
        fault: 'document-changed',
        flags: ['BrokenStep'],
      },
      {
        slug: 'broken-mnemonic',
        comment: 'another mnemonic: the blob does not open',
        reader: w.bob,
        blobKdf: { prf: 'sha1', iterations: 1024 },
        plaintextLength: 10,
        signer: 'reader',
        fault: 'wrong-mnemonic',
        flags: ['BrokenStep'],
      },
    ];
    for (const s of specs) {
      const steps: { op: string; out: Record<string, unknown> }[] = [];
      const words = generateMnemonic(rng);
      const password = words.join('');
      steps.push({ op: 'mnemonic-password', out: { password } });
      // The blob, under the chosen KDF, IV and separator.
      let blobWire: string;
      if (s.blobKdf === WRITE_KDF)
        blobWire = await encryptPrivateKey(s.reader.key.pkcs8, words, { rng, kdf: WRITE_KDF });
      else {
        const salt = rng(40);
        const iv = rng(s.blobIv ?? 12);
        const key = await deriveBlobKey(password, salt, s.blobKdf);
        const pt = new TextEncoder().encode(Buffer.from(s.reader.key.pem).toString('base64'));
        const c = createCipheriv('aes-256-gcm', key, iv);
        const sealed = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
        blobWire = [sealed.toString('base64'), b64(iv), b64(salt)].join(s.separator ?? '|');
      }
      const parsed = parseKeyBlob(blobWire);
      steps.push({
        op: 'blob-key',
        out: {
          kdf: kdfName(s.blobKdf),
          saltHex: hex(parsed.salt),
          blobKeyHex: hex(await deriveBlobKey(password, parsed.salt, s.blobKdf)),
        },
      });
      steps.push({ op: 'private-key', out: { privateKeySha256: sha256hex(s.reader.key.pkcs8) } });
      // The folder: alice and the reader (and bob), one file.
      const metadataKey = rng(16);
      const fileKey = rng(16);
      const fileNonce = rng(s.fileNonce ?? 12);
      const plaintext = rng(s.plaintextLength);
      const body = seal(fileKey, fileNonce, plaintext);
      const fileId = hex(rng(16));
      const entry = {
        authenticationTag: b64(body.subarray(body.length - 16)),
        filename: `file-${s.slug}.bin`,
        key: b64(fileKey),
        mimetype: 'application/octet-stream',
        nonce: b64(fileNonce),
      };
      const inner = {
        counter: 4,
        files: { [fileId]: entry, [hex(rng(16))]: fileEntry(rng, 'other.txt', 'text/plain') },
        folders: { [hex(rng(16))]: 'Sub' },
        keyChecksums: [sha256hex(metadataKey)],
      };
      const memberActors = [...new Set([w.alice, w.bob, s.reader])];
      const metaNonce = rng(s.metaNonce ?? 12);
      const documentWire = buildDoc(
        {
          key: metadataKey,
          inner,
          nonce: metaNonce,
          suffix: s.suffix,
          members: memberActors.map((actor) => ({ actor })),
        },
        rng,
      );
      const signer = s.signer === 'reader' ? s.reader : s.reader === w.alice ? w.bob : w.alice;
      const content = metadataSignedContent(documentWire);
      const signatureWire = b64(
        buildCms({
          content,
          signerPkcs8: signer.key.pkcs8,
          signerCertDer: signer.certificateDer,
          ...(s.desktopCms
            ? { signatureAlgorithm: OID.rsaEncryption, smimeCapabilities: true }
            : {}),
        }),
      );
      steps.push({
        op: 'verify-signature',
        out: { signedContentSha256: sha256hex(content), signerUserId: signer.userId },
      });
      steps.push({ op: 'unwrap-metadata-key', out: { metadataKeyHex: hex(metadataKey) } });
      const gz = innerPlaintext(inner);
      steps.push({
        op: 'decrypt-metadata',
        out: {
          innerGzipSha256: sha256hex(gz),
          counter: 4,
          digest: sha256hex(canonicalJson(inner as JsonObject)),
        },
      });
      steps.push({
        op: 'file-key',
        out: {
          fileKeyHex: hex(fileKey),
          nonceHex: hex(fileNonce),
          tagHex: hex(body.subarray(body.length - 16)),
          filename: entry.filename,
        },
      });
      steps.push({ op: 'decrypt-file', out: { plaintext: digestOf(plaintext) } });
      let input: ChainIn = {
        userId: s.reader.userId,
        mnemonicWire: words.join(' '),
        privateKeyBlobWire: blobWire,
        documentWire,
        signatureWire,
        members: memberActors.map((a) => ({
          userId: a.userId,
          certificatePemWire: a.certificatePem,
        })),
        serverPublicKeyPemWire: w.serverPublicKeyPem,
        fileId,
        bodyHex: hex(body),
      };
      let expect: Expect = { result: 'valid', steps };
      if (s.fault === 'body-flipped') {
        input = { ...input, bodyHex: hex(flip(body, 3)) };
        expect = { result: 'invalid', error: 'AEAD_TAG_MISMATCH' };
      } else if (s.fault === 'other-body') {
        input = { ...input, bodyHex: hex(seal(rng(16), rng(12), rng(s.plaintextLength))) };
        expect = { result: 'invalid', error: 'AEAD_TAG_MISMATCH' };
      } else if (s.fault === 'document-changed') {
        input = {
          ...input,
          documentWire: documentWire.replace('"version":"2.0"', '"version":"2.1"'),
        };
        expect = { result: 'invalid', error: 'SIGNATURE_INVALID' };
      } else if (s.fault === 'wrong-mnemonic') {
        input = { ...input, mnemonicWire: generateMnemonic(rng).join(' ') };
        expect = { result: 'invalid', error: 'AEAD_TAG_MISMATCH' };
      }
      b.add({
        slug: s.slug,
        comment: s.comment,
        flags: s.flags ?? [],
        requirements: [
          'E2EE-REC-005',
          'E2EE-REC-011',
          'E2EE-META-122',
          'E2EE-META-813',
          'E2EE-META-815',
          'E2EE-FILE-803',
          'E2EE-FILE-804',
          'E2EE-FILE-805',
          'E2EE-FILE-006',
        ],
        in: input as unknown as Record<string, unknown>,
        expect,
      });
    }
    return b.file;
  },
  async run(test) {
    return verdict(() => runChain(test.in as unknown as ChainIn));
  },
};
