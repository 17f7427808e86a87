/**
 * Random corruption of every field of the outer 2.x document (drop, null, empty, wrong type,
 * wrong length, flipped byte) must end in a typed error from the closed list, with no plaintext
 * and no secret in the message:
 *
 * - by `decryptMetadata` alone (with the server key), for every field except the two that only
 *   the signature protects: another member's wrapped key (same length) and another member's
 *   whole entry;
 * - by the full reader pipeline (parse → signature → decrypt), for every field.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/_internal/bytes.js';
import { E2EE_CODES, SealfoldError } from '../../src/errors/index.js';
import { pemEncode } from '../../src/pem/index.js';
import {
  decryptMetadata,
  encryptMetadata,
  nextInner,
  newInner,
  newMetadataKey,
  parseMetadataDocument,
  type MetadataDocumentV2,
} from '../../src/metadata/index.js';
import { signMetadata, verifyMetadataSignature } from '../../src/signature/index.js';
import { makeMembers, seal, type Identity, type ServerKey } from './_support.js';

const MARKER = 'MARKER-9f3c1e-secret-name.txt';

let server: ServerKey;
let alice: Identity;
let bob: Identity;
let key: Uint8Array;
let text: string;
let signature: string;

beforeAll(async () => {
  const m = await makeMembers(2);
  server = m.server;
  [alice, bob] = m.members as [Identity, Identity];
  key = newMetadataKey();
  const inner = nextInner(newInner(key), {
    files: {
      '0a1b2c3d4e5f60718293a4b5c6d7e8f9': {
        filename: MARKER,
        mimetype: 'text/plain',
        key: newMetadataKey(),
        nonce: newMetadataKey().subarray(0, 12),
        authenticationTag: newMetadataKey(),
      },
    },
  });
  text = encryptMetadata({
    inner,
    metadataKey: key,
    users: [alice, bob].map((u) => ({ userId: u.userId, certificate: u.certPem })),
  }).text;
  signature = await signMetadata({
    outer: text,
    signerCertificate: alice.certPem,
    signerPrivateKey: alice.pkcs8,
  });
});

type Path = (string | number)[];
const PATHS: Path[] = [
  ['version'],
  ['metadata'],
  ['metadata', 'ciphertext'],
  ['metadata', 'nonce'],
  ['metadata', 'authenticationTag'],
  ['users'],
  ...[0, 1].flatMap((i): Path[] => [
    ['users', i],
    ['users', i, 'userId'],
    ['users', i, 'certificate'],
    ['users', i, 'encryptedMetadataKey'],
  ]),
];
const KINDS = [
  'drop',
  'null',
  'empty',
  'number',
  'bool',
  'object',
  'array',
  'flip',
  'shorten',
  'extend',
] as const;
type Kind = (typeof KINDS)[number];

const isB64Field = (last: unknown) =>
  ['ciphertext', 'nonce', 'authenticationTag', 'encryptedMetadataKey'].includes(String(last));

function flipBytes(b: Uint8Array, at: number, bit: number): Uint8Array {
  const c = b.slice();
  c[at % c.length]! ^= 1 << bit;
  return c;
}

/** Applies one corruption; returns undefined when the kind does not apply to the path. */
function corrupt(doc: string, path: Path, kind: Kind, at: number, bit: number): string | undefined {
  const j = JSON.parse(doc);
  let parent: any = j;
  for (const p of path.slice(0, -1)) parent = parent[p];
  const last = path[path.length - 1]!;
  const cur = parent[last];
  const set = (v: unknown) => {
    parent[last] = v;
    return JSON.stringify(j);
  };
  switch (kind) {
    case 'drop':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      return JSON.stringify(j);
    case 'null':
      return set(null);
    case 'empty':
      return set(typeof cur === 'string' ? '' : Array.isArray(cur) ? [] : {});
    case 'number':
      return set(42);
    case 'bool':
      return set(true);
    case 'object':
      return set(typeof cur === 'object' && !Array.isArray(cur) ? { x: 1 } : {});
    case 'array':
      return set(Array.isArray(cur) ? [1] : []);
    case 'flip': {
      if (path[0] === 'version') return set(['2.2', '1.2', '3.0', '20', '2.01'][at % 5]);
      if (typeof cur !== 'string') return undefined;
      if (last === 'ciphertext' && at % 3 === 0) {
        // keep the tag copy consistent so that the AEAD itself must catch it
        const b = flipBytes(fromBase64(cur, 'c'), at, bit);
        parent.authenticationTag = toBase64(b.subarray(b.length - 16));
        return set(toBase64(b));
      }
      if (isB64Field(last)) return set(toBase64(flipBytes(fromBase64(cur, 'x'), at, bit)));
      if (last === 'certificate') {
        const der = fromBase64(cur.replace(/-----[^-]+-----|\s/g, ''), 'cert');
        return set(pemEncode('CERTIFICATE', flipBytes(der, at, bit)));
      }
      // userId: change one character
      const i = at % cur.length;
      return set(
        cur.slice(0, i) +
          String.fromCharCode(cur.charCodeAt(i) ^ (1 << (bit % 5))) +
          cur.slice(i + 1),
      );
    }
    case 'shorten':
    case 'extend': {
      if (typeof cur !== 'string' || !isB64Field(last)) return undefined;
      const b = fromBase64(cur, 'x');
      const c =
        kind === 'shorten'
          ? b.subarray(0, b.length - 1 - (at % 4))
          : new Uint8Array([...b, at & 0xff]);
      return set(toBase64(c));
    }
  }
}

/** Corruptions only the signature can catch (another member's key bytes, or its entry). */
function onlySignatureCatches(path: Path, kind: Kind): boolean {
  const other = path[0] === 'users' && path[1] === 1;
  if (other && path.length === 2 && kind === 'drop') return true;
  if (other && path[2] === 'encryptedMetadataKey' && kind === 'flip') return true;
  return false;
}

function expectTyped(e: unknown): void {
  expect(e).toBeInstanceOf(SealfoldError);
  const err = e as SealfoldError;
  expect(E2EE_CODES).toContain(err.code);
  // E2EE-SEC-030: no name, key or plaintext in the message.
  expect(err.message).not.toContain(MARKER);
  expect(err.message).not.toContain(toBase64(key));
}

const arb = fc.record({
  path: fc.constantFrom(...PATHS),
  kind: fc.constantFrom(...KINDS),
  at: fc.nat({ max: 10_000 }),
  bit: fc.nat({ max: 7 }),
});

/** Alice opens a root document, with the member certificates checked against the server key. */
const openAsAlice = (document: string | MetadataDocumentV2) =>
  decryptMetadata({
    document,
    userId: 'alice',
    privateKey: alice.pkcs8,
    serverPublicKey: server.spkiDer,
  });

describe('random corruption of the outer document', () => {
  it('E2EE-META-808 E2EE-META-816 E2EE-SEC-030: decryptMetadata alone rejects every corruption of a field it depends on', () => {
    expect(openAsAlice(text).inner.counter).toBe(2);
    let checked = 0;
    fc.assert(
      fc.property(arb, ({ path, kind, at, bit }) => {
        const bad = corrupt(text, path, kind, at, bit);
        fc.pre(bad !== undefined && bad !== text && !onlySignatureCatches(path, kind));
        checked++;
        let result: unknown;
        try {
          result = openAsAlice(bad!);
        } catch (e) {
          expectTyped(e);
          return;
        }
        throw new Error(
          `accepted ${path.join('.')} ${kind}: ${JSON.stringify(result).slice(0, 40)}`,
        );
      }),
      { numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it('E2EE-META-040: with the signature checked first, every corruption of every field is rejected', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async ({ path, kind, at, bit }) => {
        const bad = corrupt(text, path, kind, at, bit);
        fc.pre(bad !== undefined && bad !== text);
        try {
          const doc = parseMetadataDocument(bad!);
          if (doc.family !== 2) throw new Error('not 2.x');
          await verifyMetadataSignature({
            outer: bad!,
            signature,
            members: doc.users,
            previousMembers: [alice, bob].map((u) => ({
              userId: u.userId,
              certificate: u.certPem,
            })),
          });
          openAsAlice(doc);
        } catch (e) {
          expectTyped(e);
          return;
        }
        throw new Error(`accepted ${path.join('.')} ${kind}`);
      }),
      { numRuns: 150 },
    );
  });

  it('E2EE-META-810 E2EE-META-811 E2EE-META-815: random inner bytes under the right key are METADATA_MALFORMED, under another key AEAD_TAG_MISMATCH', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), (bytes, gz) => {
        const inner = gz ? new Uint8Array(gzipSync(bytes)) : bytes;
        const doc = seal({ inner, key });
        expect(() => decryptMetadata({ document: doc, userId: 'a', rootMetadataKey: key })).toThrow(
          expect.objectContaining({ code: 'METADATA_MALFORMED' }),
        );
        expect(() =>
          decryptMetadata({
            document: doc,
            userId: 'a',
            rootMetadataKey: key.map((x) => x ^ 0x5a),
          }),
        ).toThrow(expect.objectContaining({ code: 'AEAD_TAG_MISMATCH' }));
      }),
      { numRuns: 100 },
    );
  });
});
