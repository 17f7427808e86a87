/**
 * `metadata-decrypt` (primitives): reading a 2.0/2.1 metadata document as a member (root) or with
 * the root's key (sub-folder): parsing and schema (E2EE-META-001..014), the inner document
 * (-020..-025), and the key and decryption steps (-041..-048), in the order of the spec's table.
 * Signatures are a separate type (`metadata-signature`).
 *
 * @module
 */
import { gzipSync } from 'node:zlib';
import { pemDecode } from '../../../reference/src/pem/index.js';
import { decryptMetadata } from '../../../reference/src/metadata/index.js';
import { VectorFileBuilder, type Expect } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, hex, sha256hex, unhex } from '../repr.js';
import { strictPem } from '../pem-variants.js';
import { buildDoc, fileEntry, innerWith, type DocSpec } from '../metadata-docs.js';
import { world } from '../world.js';
import { verdict, type VectorType } from '../vector-type.js';
import { canonicalJson, type JsonObject } from '../../../reference/src/_internal/json.js';

const TYPE = 'metadata-decrypt';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** base64 `s` (ending in "==") with a non-zero unused bit in its last data character. */
export function withUnusedBits(s: string): string {
  const i = s.length - 3;
  return s.slice(0, i) + B64[B64.indexOf(s[i]!) | 1] + s.slice(i + 1);
}

type Obj = Record<string, unknown>;
const meta = (d: Obj): Obj => d.metadata as Obj;

export const metadataDecrypt: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['documentWire', 'userId', 'rootMetadataKeyHex'],
  outFields: ['version', 'counter', 'metadataKeyHex', 'digest'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const w = await world(ctx);
    const { alice, bob } = w;
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Decrypt documentWire as userId with params.privateKeysPemWire[userId], checking member certificates against',
        'params.serverPublicKeyPemWire (root folders); or, when rootMetadataKeyHex is set, as a sub-folder document',
        'under that key. Valid outputs: normalised version, inner counter, the metadata key, and digest =',
        'hex(SHA-256(canonical JSON of the inner document)) (spec/05-metadata.md §7).',
      ],
      {
        NonceSuffix: {
          bugType: 'TOLERANCE',
          description: '`|base64(nonce)` after the ciphertext (desktop, iOS, Android).',
          requirements: ['E2EE-META-006'],
        },
        Nonce16: {
          bugType: 'TOLERANCE',
          description: 'A 16-byte nonce (desktop, iOS, Android).',
          requirements: ['E2EE-META-008'],
        },
        VersionSpelling: {
          bugType: 'TOLERANCE',
          description: 'The version as "2", "2.1", 2 or 2.1.',
          requirements: ['E2EE-META-003'],
        },
        UnknownMembers: {
          bugType: 'TOLERANCE',
          description: 'Members this chapter does not define are ignored.',
          requirements: ['E2EE-META-013'],
        },
        ChecksumCase: {
          bugType: 'TOLERANCE',
          description: 'Upper-case key checksums compare equal.',
          requirements: ['E2EE-META-022'],
        },
        SubfolderUsers: {
          bugType: 'TOLERANCE',
          description: 'A sub-folder document with `users` absent or [].',
          requirements: ['E2EE-META-009'],
        },
        OuterSchema: {
          bugType: 'MALFORMED_INPUT',
          description: 'The outer document violates the schema or base64 rules.',
          requirements: ['E2EE-META-001', 'E2EE-META-808', 'E2EE-META-809', 'E2EE-META-005'],
        },
        InnerSchema: {
          bugType: 'MALFORMED_INPUT',
          description: 'The authenticated inner document violates its schema or the name rules.',
          requirements: ['E2EE-META-020', 'E2EE-META-024', 'E2EE-META-025'],
        },
        MemberCheck: {
          bugType: 'CONFUSED_DEPUTY',
          description:
            "A member certificate is not the server's, names another user, or is not this user's key.",
          requirements: ['E2EE-META-043', 'E2EE-META-045'],
        },
        KeyCheck: {
          bugType: 'AUTH_BYPASS',
          description:
            'The wrapped key does not unwrap, is not 16 bytes, is degenerate, or is not listed in keyChecksums.',
          requirements: ['E2EE-META-046', 'E2EE-META-048'],
        },
        Tampered: {
          bugType: 'AUTH_BYPASS',
          description: 'The ciphertext was modified or the wrong key was used.',
          requirements: ['E2EE-META-815', 'E2EE-META-810'],
        },
        FormatMix: {
          bugType: 'CAN_OF_WORMS',
          description:
            'A 2.x document carrying 1.x members, or a version this reader does not know.',
          requirements: ['E2EE-META-002', 'E2EE-META-012'],
        },
      },
    );
    b.group({
      folder: 'root',
      serverPublicKeyPemWire: w.serverPublicKeyPem,
      privateKeysPemWire: { alice: alice.key.pem, bob: bob.key.pem },
    });
    const valid = (key: Uint8Array, inner: Obj, version = '2.0'): Expect => ({
      result: 'valid',
      version,
      counter: inner.counter as number,
      metadataKeyHex: hex(key),
      digest: sha256hex(canonicalJson(inner as JsonObject)),
    });
    const members = [{ actor: alice }, { actor: bob }];
    const root = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      spec: Partial<DocSpec> & { key?: Uint8Array },
      expect: (key: Uint8Array, inner: Obj) => Expect,
      userId = 'alice',
    ) => {
      const key = spec.key ?? rng(16);
      const inner = (spec.inner as Obj | undefined) ?? innerWith(key, rng);
      const documentWire = buildDoc({ members, ...spec, key, inner }, rng);
      b.add({
        slug,
        comment,
        flags,
        requirements: reqs,
        in: { documentWire, userId },
        expect: expect(key, inner),
      });
    };
    const ok =
      (version = '2.0') =>
      (key: Uint8Array, inner: Obj) =>
        valid(key, inner, version);
    const bad = (error: Extract<Expect, { result: 'invalid' }>['error']) => (): Expect => ({
      result: 'invalid',
      error,
    });

    root(
      'web-form',
      'the writer form: "2.0", 12-byte nonce, no suffix, sorted keys',
      [],
      ['E2EE-META-031', 'E2EE-META-034', 'E2EE-META-813', 'E2EE-META-815', 'E2EE-META-048'],
      {},
      ok(),
    );
    root(
      'read-by-second-member',
      'bob reads the same kind of document',
      [],
      ['E2EE-META-813'],
      {},
      ok(),
      'bob',
    );
    root(
      'single-member',
      'only alice is a member',
      [],
      ['E2EE-META-813'],
      { members: [{ actor: alice }] },
      ok(),
    );
    root(
      'desktop-form',
      '16-byte nonce with the |nonce suffix',
      ['NonceSuffix', 'Nonce16'],
      ['E2EE-META-006', 'E2EE-META-008'],
      { nonce: rng(16), suffix: true },
      ok(),
    );
    root(
      'nonce16-no-suffix',
      '16-byte nonce, no suffix',
      ['Nonce16'],
      ['E2EE-META-008'],
      { nonce: rng(16) },
      ok(),
    );
    root(
      'nonce12-suffix',
      '12-byte nonce with suffix',
      ['NonceSuffix'],
      ['E2EE-META-006'],
      { suffix: true },
      ok(),
    );
    for (const [slug, v, norm] of [
      ['string-2.1', '2.1', '2.1'],
      ['string-2', '2', '2.0'],
      ['number-2', 2, '2.0'],
      ['number-2.1', 2.1, '2.1'],
    ] as const) {
      root(
        `version-${slug}`,
        `version written as ${JSON.stringify(v)}`,
        ['VersionSpelling'],
        ['E2EE-META-003'],
        { version: v },
        ok(norm),
      );
    }
    {
      const share = await w.certify('s:Ab3dEf9hK2mNpQr', ctx.key('carol'));
      root(
        'share-member-2.1',
        'a 2.1 document with a link-share member',
        [],
        ['E2EE-META-003', 'E2EE-META-031'],
        { version: '2.1', members: [{ actor: alice }, { actor: share }] },
        ok('2.1'),
      );
    }
    root(
      'unknown-members',
      'unknown members at the top level, in metadata and in a users entry',
      ['UnknownMembers'],
      ['E2EE-META-013'],
      {
        edit: (d) => {
          d.x = { y: 1 };
          meta(d).hint = 'z';
          (d.users as Obj[])[0]!.displayName = 'Alice';
        },
      },
      ok(),
    );
    {
      const key = rng(16);
      const inner = innerWith(key, rng, {
        keyChecksums: [sha256hex(rng(16)), sha256hex(key).toUpperCase()],
        unknownInner: true,
      });
      root(
        'checksum-uppercase',
        'the key checksum in upper case, after an older one; an unknown inner member',
        ['ChecksumCase', 'UnknownMembers'],
        ['E2EE-META-022', 'E2EE-META-048', 'E2EE-META-013'],
        { key, inner },
        ok(),
      );
    }
    {
      const key = rng(16);
      const inner = innerWith(key, rng, {
        files: {
          a1: fileEntry(rng, 'notes.txt', 'text/plain', 16),
          [hex(rng(16))]: fileEntry(rng, 'Ünïcödé name.txt', 'text/plain'),
        },
        folders: { [hex(rng(16))]: 'Photos 2025' },
      });
      root(
        'files-and-folders',
        'a short legacy-style id, a 16-byte file nonce, a Unicode name and a sub-folder',
        [],
        ['E2EE-META-020', 'E2EE-META-024'],
        { key, inner },
        ok(),
      );
    }
    {
      const key = rng(16);
      root(
        'deleted-folder',
        'a deleted top folder: deleted true, no files or folders',
        [],
        ['E2EE-SHARE-800', 'E2EE-SHARE-801'],
        {
          key,
          inner: {
            counter: 9,
            deleted: true,
            files: {},
            folders: {},
            keyChecksums: [sha256hex(key)],
          },
        },
        ok(),
      );
    }
    root(
      'filedrop-present',
      'a pending filedrop member (unsigned, opened separately)',
      [],
      ['E2EE-META-014'],
      { filedrop: { [hex(rng(16))]: { ciphertext: 'opaque', users: [] } } },
      ok(),
    );
    root(
      'large-counter',
      'counter 2^53 − 1',
      [],
      ['E2EE-META-020'],
      (() => {
        const key = rng(16);
        return { key, inner: innerWith(key, rng, { counter: 9007199254740991 }) };
      })(),
      ok(),
    );

    // Encoding and structure of the outer document.
    const outer: [string, string, (d: Obj) => void, string[]][] = [
      [
        'ciphertext-missing',
        'metadata.ciphertext absent',
        (d) => delete meta(d).ciphertext,
        ['E2EE-META-808'],
      ],
      [
        'ciphertext-null',
        'metadata.ciphertext null',
        (d) => (meta(d).ciphertext = null),
        ['E2EE-META-808'],
      ],
      [
        'ciphertext-empty',
        'metadata.ciphertext ""',
        (d) => (meta(d).ciphertext = ''),
        ['E2EE-META-808'],
      ],
      ['nonce-missing', 'metadata.nonce absent', (d) => delete meta(d).nonce, ['E2EE-META-808']],
      [
        'tag-missing',
        'metadata.authenticationTag absent',
        (d) => delete meta(d).authenticationTag,
        ['E2EE-META-808'],
      ],
      ['nonce-8-bytes', 'an 8-byte nonce', (d) => (meta(d).nonce = b64(rng(8))), ['E2EE-META-008']],
      [
        'nonce-24-bytes',
        'a 24-byte nonce',
        (d) => (meta(d).nonce = b64(rng(24))),
        ['E2EE-META-008'],
      ],
      [
        'tag-12-bytes',
        'a 12-byte authenticationTag',
        (d) => (meta(d).authenticationTag = b64(rng(12))),
        ['E2EE-META-008'],
      ],
      [
        'tag-not-last-16',
        "authenticationTag differs from the ciphertext's last 16 bytes",
        (d) => (meta(d).authenticationTag = b64(rng(16))),
        ['E2EE-META-007'],
      ],
      [
        'ciphertext-16-bytes',
        'a ciphertext of 16 bytes (tag only)',
        (d) => {
          const t = meta(d).authenticationTag as string;
          meta(d).ciphertext = t;
        },
        ['E2EE-META-007'],
      ],
      [
        'suffix-differs',
        'a |nonce suffix that differs from metadata.nonce',
        (d) => (meta(d).ciphertext = `${meta(d).ciphertext as string}|${b64(rng(12))}`),
        ['E2EE-META-006'],
      ],
      [
        'ciphertext-unpadded-base64',
        'ciphertext base64 without its padding',
        (d) => {
          const c = meta(d).ciphertext as string;
          meta(d).ciphertext = c.endsWith('=') ? c.replace(/=+$/, '') : `${c}==`;
        },
        ['E2EE-META-005'],
      ],
      [
        'ciphertext-url-safe',
        'ciphertext in the URL-safe alphabet',
        (d) => (meta(d).ciphertext = `_-${(meta(d).ciphertext as string).slice(2)}`),
        ['E2EE-META-005'],
      ],
      ['metadata-not-object', 'metadata is a string', (d) => (d.metadata = 'x'), ['E2EE-META-808']],
      [
        'users-duplicate',
        'alice listed twice',
        (d) => (d.users as Obj[]).push({ ...(d.users as Obj[])[0]! }),
        ['E2EE-META-010'],
      ],
      [
        'users-not-array',
        'users is an object',
        (d) => (d.users = { alice: (d.users as Obj[])[0] }),
        ['E2EE-META-808'],
      ],
      [
        'v1-member-metadataKey',
        'metadata.metadataKey next to the 2.x fields',
        (d) => (meta(d).metadataKey = 'AAAA'),
        ['E2EE-META-012'],
      ],
      [
        'v1-member-version',
        'metadata.version next to the 2.x fields',
        (d) => (meta(d).version = 1),
        ['E2EE-META-012'],
      ],
      ['filedrop-not-object', 'filedrop is an array', (d) => (d.filedrop = []), ['E2EE-META-014']],
      [
        'encrypted-key-not-base64',
        'encryptedMetadataKey is not base64',
        (d) => ((d.users as Obj[])[0]!.encryptedMetadataKey = 'not base64!'),
        ['E2EE-META-011', 'E2EE-META-005'],
      ],
    ];
    for (const [slug, comment, edit, reqs] of outer) {
      root(`outer-${slug}`, comment, ['OuterSchema'], reqs, { edit }, bad('METADATA_MALFORMED'));
    }
    root(
      'outer-nonce-non-canonical-bits',
      '16-byte nonce whose base64 has non-zero unused bits (decodes leniently to the same bytes)',
      ['OuterSchema'],
      ['E2EE-META-005'],
      { nonce: rng(16), edit: (d) => (meta(d).nonce = withUnusedBits(meta(d).nonce as string)) },
      bad('METADATA_MALFORMED'),
    );
    root(
      'version-2.5',
      'version written as the number 2.5',
      ['FormatMix'],
      ['E2EE-META-003'],
      { version: 2.5 },
      bad('METADATA_VERSION_UNSUPPORTED'),
    );
    const texts: [
      string,
      string,
      string,
      'METADATA_MALFORMED' | 'METADATA_VERSION_UNSUPPORTED',
      string[],
    ][] = [
      ['not-json', 'not JSON', '{"metadata":', 'METADATA_MALFORMED', ['E2EE-META-001']],
      ['top-level-array', 'a JSON array', '[]', 'METADATA_MALFORMED', ['E2EE-META-001']],
      [
        'no-version',
        'neither version nor metadata.version',
        '{"metadata":{}}',
        'METADATA_MALFORMED',
        ['E2EE-META-002'],
      ],
      ['empty-object', '{}', '{}', 'METADATA_MALFORMED', ['E2EE-META-002']],
    ];
    for (const [slug, comment, documentWire, error, reqs] of texts) {
      b.add({
        slug: `outer-${slug}`,
        comment,
        flags: ['OuterSchema'],
        requirements: reqs,
        in: { documentWire, userId: 'alice' },
        expect: { result: 'invalid', error },
      });
    }
    root(
      'order-structure-before-key',
      'an 8-byte nonce and no entry for the reader: the earlier check decides',
      ['OuterSchema'],
      ['E2EE-META-040'],
      { members: [{ actor: bob }], edit: (d) => (meta(d).nonce = b64(rng(8))) },
      bad('METADATA_MALFORMED'),
    );
    root(
      'order-certificate-before-decrypt',
      "bob's certificate from another server key and a modified ciphertext: CERT_UNTRUSTED first",
      ['MemberCheck'],
      ['E2EE-META-040'],
      {
        members: [
          { actor: alice },
          {
            actor: bob,
            certificatePem: (await w.certify('bob', bob.key, ctx.key('server-other')))
              .certificatePem,
          },
        ],
        edit: (d) => {
          const c = Buffer.from(meta(d).ciphertext as string, 'base64');
          c[0]! ^= 1;
          meta(d).ciphertext = c.toString('base64');
        },
      },
      bad('CERT_UNTRUSTED'),
    );
    root(
      'version-3.0',
      'version "3.0"',
      ['FormatMix'],
      ['E2EE-META-003'],
      { version: '3.0' },
      bad('METADATA_VERSION_UNSUPPORTED'),
    );
    // Member certificates.
    {
      const foreign = await w.certify('alice', alice.key, ctx.key('server-other'));
      root(
        'member-cert-foreign-server',
        "alice's certificate signed by another server key",
        ['MemberCheck'],
        ['E2EE-META-043'],
        { members: [{ actor: alice, certificatePem: foreign.certificatePem }, { actor: bob }] },
        bad('CERT_UNTRUSTED'),
      );
      root(
        'other-member-cert-foreign',
        "bob's certificate signed by another server key (every member is checked)",
        ['MemberCheck'],
        ['E2EE-META-043'],
        {
          members: [
            { actor: alice },
            {
              actor: bob,
              certificatePem: (await w.certify('bob', bob.key, ctx.key('server-other')))
                .certificatePem,
            },
          ],
        },
        bad('CERT_UNTRUSTED'),
      );
      root(
        'member-cert-names-other-user',
        "the entry for bob carries carol's certificate",
        ['MemberCheck'],
        ['E2EE-META-043'],
        { members: [{ actor: alice }, { actor: bob, certificatePem: w.carol.certificatePem }] },
        bad('CERT_USER_MISMATCH'),
      );
      const swapped = await w.certify('alice', ctx.key('mallory'));
      root(
        'own-cert-other-key',
        "alice's entry: a valid certificate for alice over mallory's key",
        ['MemberCheck'],
        ['E2EE-META-045'],
        { members: [{ actor: alice, certificatePem: swapped.certificatePem }, { actor: bob }] },
        bad('KEY_MISMATCH'),
      );
      root(
        'member-cert-not-pem',
        'a certificate that is not PEM',
        ['MemberCheck'],
        ['E2EE-META-011'],
        { members: [{ actor: alice }, { actor: bob, certificatePem: 'MIIB' }] },
        bad('PEM_MALFORMED'),
      );
      root(
        'member-cert-garbage-der',
        'a certificate PEM whose DER is not a certificate',
        ['MemberCheck'],
        ['E2EE-META-011'],
        {
          members: [
            { actor: alice },
            { actor: bob, certificatePem: strictPem('CERTIFICATE', rng(64)) },
          ],
        },
        bad('CERT_MALFORMED'),
      );
      const weak = await w.certify('bob', ctx.key('rsa1024'));
      root(
        'member-key-outside-policy',
        "bob's certificate over a 1024-bit key",
        ['MemberCheck'],
        ['E2EE-META-011'],
        { members: [{ actor: alice }, { actor: bob, certificatePem: weak.certificatePem }] },
        bad('KEY_UNSUPPORTED'),
      );
    }
    // Keys.
    root(
      'no-entry-for-user',
      'users lists only bob',
      ['KeyCheck'],
      ['E2EE-META-814'],
      { members: [{ actor: bob }] },
      bad('METADATA_KEY_MISSING'),
    );
    root(
      'users-absent-on-root',
      'a root document without users',
      ['KeyCheck'],
      ['E2EE-META-814'],
      { members: undefined },
      bad('METADATA_KEY_MISSING'),
    );
    root(
      'users-empty-on-root',
      'a root document with users []',
      ['KeyCheck'],
      ['E2EE-META-814'],
      { members: [] },
      bad('METADATA_KEY_MISSING'),
    );
    root(
      'user-id-case',
      'users lists "Alice", the reader is "alice"',
      ['KeyCheck'],
      ['E2EE-META-814'],
      { members: [{ actor: bob }, { actor: alice, userId: 'Alice' }] },
      bad('METADATA_KEY_MISSING'),
    );
    root(
      'wrapped-for-bob-under-alice',
      "alice's entry holds a key wrapped for bob",
      ['KeyCheck'],
      ['E2EE-META-046'],
      { members: [{ actor: alice, wrapForSpki: bob.key.spki }, { actor: bob }] },
      bad('KEY_UNWRAP_FAILED'),
    );
    root(
      'wrapped-mgf1-sha1',
      "alice's key wrapped with MGF1-SHA-1",
      ['KeyCheck'],
      ['E2EE-META-035', 'E2EE-META-046'],
      { members: [{ actor: alice, oaep: { hash: 'sha256', mgf1: 'sha1' } }, { actor: bob }] },
      bad('KEY_UNWRAP_FAILED'),
    );
    root(
      'wrapped-key-32-bytes',
      'the unwrapped key is 32 bytes',
      ['KeyCheck'],
      ['E2EE-META-046'],
      { members: [{ actor: alice, wrapKey: rng(32) }] },
      bad('METADATA_MALFORMED'),
    );
    root(
      'wrapped-key-degenerate',
      'the unwrapped key is 16 zero bytes',
      ['KeyCheck'],
      ['E2EE-META-046'],
      { members: [{ actor: alice, wrapKey: new Uint8Array(16) }] },
      bad('METADATA_MALFORMED'),
    );
    root(
      'wrapped-other-key',
      "alice's entry wraps a different (random) key",
      ['KeyCheck', 'Tampered'],
      ['E2EE-META-815'],
      { members: [{ actor: alice, wrapKey: rng(16) }] },
      bad('AEAD_TAG_MISMATCH'),
    );
    {
      const key = rng(16);
      root(
        'key-not-in-checksums',
        'keyChecksums lists only another key',
        ['KeyCheck'],
        ['E2EE-META-048'],
        { key, inner: innerWith(key, rng, { keyChecksums: [sha256hex(rng(16))] }) },
        bad('METADATA_KEY_UNKNOWN'),
      );
      const k2 = rng(16);
      root(
        'checksums-absent',
        'the root inner document has no keyChecksums',
        ['KeyCheck'],
        ['E2EE-META-048'],
        { key: k2, inner: (({ keyChecksums: _k, ...r }) => r)(innerWith(k2, rng)) },
        bad('METADATA_KEY_UNKNOWN'),
      );
    }
    root(
      'ciphertext-flipped',
      'one bit of the ciphertext flipped (tag field kept consistent)',
      ['Tampered'],
      ['E2EE-META-815', 'E2EE-META-810'],
      {
        edit: (d) => {
          const c = Buffer.from(meta(d).ciphertext as string, 'base64');
          c[0]! ^= 1;
          meta(d).ciphertext = c.toString('base64');
        },
      },
      bad('AEAD_TAG_MISMATCH'),
    );
    // Inner document (after authentication).
    const innerBad: [string, string, (key: Uint8Array) => DocSpec['inner'], string[]][] = [
      [
        'not-gzip',
        'the plaintext is raw JSON, not gzip',
        (key) => ({ plaintext: new TextEncoder().encode(JSON.stringify(innerWith(key, rng))) }),
        ['E2EE-META-811'],
      ],
      [
        'gzip-not-json',
        'gzip of text that is not JSON',
        () => ({ text: 'counter: 1' }),
        ['E2EE-META-811'],
      ],
      [
        'gzip-invalid-utf8',
        'gzip of invalid UTF-8',
        () => ({ plaintext: new Uint8Array(gzipSync(new Uint8Array([0x7b, 0xff, 0x7d]))) }),
        ['E2EE-META-811'],
      ],
      [
        'counter-negative',
        'counter −1',
        (key) => innerWith(key, rng, { counter: -1 }),
        ['E2EE-META-020'],
      ],
      [
        'counter-fraction',
        'counter 1.5',
        (key) => innerWith(key, rng, { counter: 1.5 }),
        ['E2EE-META-020'],
      ],
      [
        'counter-string',
        'counter "1"',
        (key) => innerWith(key, rng, { counter: '1' }),
        ['E2EE-META-020'],
      ],
      [
        'counter-too-large',
        'counter 2^53',
        (key) => innerWith(key, rng, { counter: 9007199254740992 }),
        ['E2EE-META-020'],
      ],
      [
        'files-missing',
        'no files member',
        (key) => (({ files: _f, ...r }) => r)(innerWith(key, rng)),
        ['E2EE-META-020'],
      ],
      [
        'file-key-15-bytes',
        'a file key of 15 bytes',
        (key) =>
          innerWith(key, rng, {
            files: { a1: { ...fileEntry(rng, 'a', 'text/plain'), key: b64(rng(15)) } },
          }),
        ['E2EE-META-020'],
      ],
      [
        'file-nonce-8-bytes',
        'a file nonce of 8 bytes',
        (key) =>
          innerWith(key, rng, {
            files: { a1: { ...fileEntry(rng, 'a', 'text/plain'), nonce: b64(rng(8)) } },
          }),
        ['E2EE-META-020'],
      ],
      [
        'file-tag-12-bytes',
        'a file tag of 12 bytes',
        (key) =>
          innerWith(key, rng, {
            files: {
              a1: { ...fileEntry(rng, 'a', 'text/plain'), authenticationTag: b64(rng(12)) },
            },
          }),
        ['E2EE-META-020'],
      ],
      [
        'file-mimetype-missing',
        'a file without mimetype',
        (key) =>
          innerWith(key, rng, {
            files: { a1: (({ mimetype: _m, ...r }) => r)(fileEntry(rng, 'a', 'text/plain')) },
          }),
        ['E2EE-META-020'],
      ],
      [
        'file-key-degenerate',
        'a file key of one repeated byte',
        (key) =>
          innerWith(key, rng, {
            files: {
              a1: { ...fileEntry(rng, 'a', 'text/plain'), key: b64(new Uint8Array(16).fill(7)) },
            },
          }),
        ['E2EE-META-025'],
      ],
      [
        'file-nonce-zero',
        'a file nonce of zero bytes',
        (key) =>
          innerWith(key, rng, {
            files: { a1: { ...fileEntry(rng, 'a', 'text/plain'), nonce: b64(new Uint8Array(12)) } },
          }),
        ['E2EE-META-025'],
      ],
      [
        'filename-dotdot',
        'file name ".."',
        (key) => innerWith(key, rng, { files: { a1: fileEntry(rng, '..', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'filename-slash',
        'file name "a/b"',
        (key) => innerWith(key, rng, { files: { a1: fileEntry(rng, 'a/b', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'filename-backslash',
        'file name "a\\b"',
        (key) => innerWith(key, rng, { files: { a1: fileEntry(rng, 'a\\b', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'filename-nul',
        'file name with NUL',
        (key) => innerWith(key, rng, { files: { a1: fileEntry(rng, 'a\u0000b', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'filename-empty',
        'empty file name',
        (key) => innerWith(key, rng, { files: { a1: fileEntry(rng, '', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'id-dot',
        'file id "."',
        (key) => innerWith(key, rng, { files: { '.': fileEntry(rng, 'a', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'id-too-long',
        'file id of 256 characters',
        (key) =>
          innerWith(key, rng, { files: { ['a'.repeat(256)]: fileEntry(rng, 'a', 'text/plain') } }),
        ['E2EE-META-024'],
      ],
      [
        'folder-name-slash',
        'sub-folder name "x/y"',
        (key) => innerWith(key, rng, { folders: { b2: 'x/y' } }),
        ['E2EE-META-024'],
      ],
      [
        'id-file-and-folder',
        'one id as a file and a folder',
        (key) =>
          innerWith(key, rng, {
            files: { c3: fileEntry(rng, 'a', 'text/plain') },
            folders: { c3: 'c' },
          }),
        ['E2EE-META-020', 'E2EE-META-023'],
      ],
      [
        'checksum-not-hex',
        'a keyChecksums entry that is not 64 hex characters',
        (key) => innerWith(key, rng, { keyChecksums: [sha256hex(key), 'xyz'] }),
        ['E2EE-META-020'],
      ],
    ];
    for (const [slug, comment, inner, reqs] of innerBad) {
      const key = rng(16);
      root(
        `inner-${slug}`,
        comment,
        ['InnerSchema'],
        reqs,
        { key, inner: inner(key) as Obj },
        bad('METADATA_MALFORMED'),
      );
    }

    b.group({ folder: 'sub-folder' });
    const sub = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      spec: Partial<DocSpec>,
      expect: (key: Uint8Array, inner: Obj) => Expect,
      keyOverride?: Uint8Array,
    ) => {
      const key = rng(16);
      const inner = (spec.inner as Obj | undefined) ?? {
        counter: 1,
        files: { [hex(rng(16))]: fileEntry(rng, 'sub.txt', 'text/plain') },
        folders: {},
        keyChecksums: [],
      };
      const documentWire = buildDoc({ ...spec, key, inner }, rng);
      b.add({
        slug: `subfolder-${slug}`,
        comment,
        flags,
        requirements: reqs,
        in: { documentWire, userId: 'alice', rootMetadataKeyHex: hex(keyOverride ?? key) },
        expect: expect(key, inner),
      });
    };
    sub(
      'users-absent',
      'desktop and web: no users member',
      ['SubfolderUsers'],
      ['E2EE-META-009', 'E2EE-META-042', 'E2EE-SHARE-002'],
      {},
      ok(),
    );
    sub(
      'users-empty',
      'Android and iOS: users []',
      ['SubfolderUsers'],
      ['E2EE-META-009', 'E2EE-META-042'],
      { members: [] },
      ok(),
    );
    sub(
      'desktop-form',
      '16-byte nonce and suffix',
      ['NonceSuffix', 'Nonce16'],
      ['E2EE-META-006'],
      { nonce: rng(16), suffix: true },
      ok(),
    );
    sub(
      'own-checksums-ignored',
      'a sub-folder listing an unrelated checksum is still read with the root key',
      [],
      ['E2EE-META-026'],
      { inner: { counter: 2, files: {}, folders: {}, keyChecksums: [sha256hex(rng(16))] } },
      ok(),
    );
    sub(
      'users-listed',
      'a sub-folder document listing a member',
      ['SubfolderUsers'],
      ['E2EE-META-042', 'E2EE-META-038'],
      { members: [{ actor: alice }] },
      bad('METADATA_MALFORMED'),
    );
    sub(
      'wrong-root-key',
      'read with another key than the one it was encrypted under',
      ['Tampered'],
      ['E2EE-META-815'],
      {},
      bad('AEAD_TAG_MISMATCH'),
      rng(16),
    );
    return b.file;
  },
  async run(test, group) {
    const i = test.in as { documentWire: string; userId: string; rootMetadataKeyHex?: string };
    const p = group.params as {
      serverPublicKeyPemWire?: string;
      privateKeysPemWire?: Record<string, string>;
    };
    return verdict(() => {
      const d =
        i.rootMetadataKeyHex !== undefined
          ? decryptMetadata({
              document: i.documentWire,
              userId: i.userId,
              rootMetadataKey: unhex(i.rootMetadataKeyHex),
            })
          : decryptMetadata({
              document: i.documentWire,
              userId: i.userId,
              privateKey: pemDecode(p.privateKeysPemWire![i.userId]!, 'PRIVATE KEY'),
              serverPublicKey: pemDecode(p.serverPublicKeyPemWire!, 'PUBLIC KEY'),
            });
      return {
        version: d.version,
        counter: d.inner.counter,
        metadataKeyHex: hex(d.metadataKey),
        digest: d.digest,
      };
    });
  },
};
