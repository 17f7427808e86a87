/**
 * Shared helpers for the metadata tests: test identities (server key + member certificates
 * signed by it, generated once per test file), a hand-built sealer that writes outer documents
 * in every form real clients use (16-byte nonces, `|nonce` suffix, numeric versions), and
 * fast-check arbitraries for inner documents.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { aesGcmEncrypt } from '../../src/_internal/aesgcm.js';
import { sha256Hex, toBase64 } from '../../src/_internal/bytes.js';
import { rsaOaepWrap } from '../../src/_internal/rsa-oaep.js';
import { parseCertificate } from '../../src/certs/index.js';
import type { InnerMetadata, MetadataFile } from '../../src/metadata/index.js';
import {
  makeIdentity,
  makeServerKey,
  type Identity,
  type ServerKey,
} from '../_support/identities.js';

export type { Identity, ServerKey };

/** A server key and `n` members (alice, bob, carol, …). Slow: call once per file. */
export async function makeMembers(
  n: number,
  ids = ['alice', 'bob', 'carol', 's:linkshare1'],
): Promise<{ server: ServerKey; members: Identity[] }> {
  const server = makeServerKey();
  const members: Identity[] = [];
  for (let i = 0; i < n; i++) members.push(await makeIdentity(ids[i]!, server));
  return { server, members };
}

/** Options of {@link seal}: every quirk a real writer may have. */
export interface SealOptions {
  /** Inner plaintext: a JSON value (gzipped) or exact bytes (already "gzipped" or not). */
  inner: unknown;
  key: Uint8Array;
  members?: Identity[];
  nonceLength?: 12 | 16;
  suffix?: boolean;
  version?: unknown;
  usersEmpty?: boolean;
  extra?: Record<string, unknown>;
}

/** Builds an outer document text by hand (not through encryptMetadata). */
export function seal(o: SealOptions): string {
  const nonce = new Uint8Array(o.nonceLength ?? 12).map((_, i) => (i * 37 + 11) & 0xff);
  const pt =
    o.inner instanceof Uint8Array
      ? o.inner
      : new Uint8Array(gzipSync(Buffer.from(JSON.stringify(o.inner))));
  const sealed = aesGcmEncrypt(o.key, nonce, pt);
  const doc: Record<string, unknown> = {
    metadata: {
      ciphertext: toBase64(sealed) + (o.suffix ? `|${toBase64(nonce)}` : ''),
      nonce: toBase64(nonce),
      authenticationTag: toBase64(sealed.subarray(sealed.length - 16)),
    },
    version: o.version ?? '2.0',
    ...o.extra,
  };
  if (o.members) {
    doc.users = o.members.map((m) => ({
      userId: m.userId,
      certificate: m.certPem,
      encryptedMetadataKey: toBase64(rsaOaepWrap(parseCertificate(m.certPem).spki, o.key)),
    }));
  } else if (o.usersEmpty) {
    doc.users = [];
  }
  return JSON.stringify(doc);
}

/** The inner JSON of a root folder with one file and one folder, for `key`. */
export function sampleInnerJson(key: Uint8Array, counter = 3): Record<string, unknown> {
  return {
    counter,
    files: {
      '8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b': {
        authenticationTag: toBase64(new Uint8Array(16).map((_, i) => i + 1)),
        filename: 'report.pdf',
        key: toBase64(new Uint8Array(16).map((_, i) => 200 - i)),
        mimetype: 'application/pdf',
        nonce: toBase64(new Uint8Array(16).map((_, i) => i * 3)),
      },
    },
    folders: { '1f2e3d4c5b6a79881f2e3d4c5b6a7988': 'Photos' },
    keyChecksums: [sha256Hex(key)],
  };
}

const nonDegenerate = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).filter((b) => !b.every((x) => x === b[0]));
/** Safe names, including non-ASCII and spaces. */
export const arbName = fc
  .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
  .filter((s) => s !== '.' && s !== '..' && !/[/\\\0]/.test(s));
const arbId = fc.stringMatching(/^[0-9a-f]{32}$|^[A-Za-z0-9]{20}$/);

export const arbFile: fc.Arbitrary<MetadataFile> = fc.record({
  filename: arbName,
  mimetype: fc.constantFrom('text/plain', 'application/pdf', 'image/jpeg', ''),
  key: nonDegenerate(16),
  nonce: fc.oneof(nonDegenerate(12), nonDegenerate(16)),
  authenticationTag: fc.uint8Array({ minLength: 16, maxLength: 16 }),
});

/** Random inner documents; `checksums` are prepended to random ones. */
export function arbInner(checksums: string[] = []): fc.Arbitrary<InnerMetadata> {
  return fc
    .record({
      counter: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      files: fc.dictionary(arbId, arbFile, { maxKeys: 5 }),
      folders: fc.dictionary(arbId, arbName, { maxKeys: 5 }),
      extra: fc.array(fc.stringMatching(/^[0-9a-f]{64}$/), { maxLength: 3 }),
      deleted: fc.option(fc.boolean(), { nil: undefined }),
    })
    .map(({ counter, files, folders, extra, deleted }) => {
      const fo = Object.fromEntries(Object.entries(folders).filter(([id]) => !(id in files)));
      return {
        counter,
        files,
        folders: fo,
        keyChecksums: [...extra, ...checksums],
        ...(deleted !== undefined ? { deleted } : {}),
      };
    });
}
