/**
 * Building 2.x metadata documents for vectors, with every part under the generator's control
 * (nonce length, `|nonce` suffix, version spelling, wrapped keys, inner JSON text), so that both
 * the writer form and each reader tolerance or fault can be produced. Deterministic: nonces and
 * OAEP seeds come from the caller's rng, gzip from node:zlib (no timestamp in its header).
 *
 * @module
 */
import { createCipheriv } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { canonicalJson, type JsonObject } from '../../reference/src/_internal/json.js';
import type { Rng } from '../../reference/src/_internal/bytes.js';
import { b64, sha256hex } from './repr.js';
import { oaepWrapSeeded, type OaepHashes } from './oaep.js';
import type { Actor } from './world.js';

/** One `users` entry to write. */
export interface MemberSpec {
  readonly actor: Actor;
  /** The userId written (default: the actor's). */
  readonly userId?: string;
  /** The certificate written (default: the actor's). */
  readonly certificatePem?: string;
  /** Wrap for this SPKI (default: the actor's key). */
  readonly wrapForSpki?: Uint8Array;
  /** Wrap this key instead of the document key. */
  readonly wrapKey?: Uint8Array;
  readonly oaep?: OaepHashes;
}

export interface DocSpec {
  /** The inner document as JSON (serialised with JSON.stringify), or its exact text, or raw plaintext. */
  readonly inner: Record<string, unknown> | { text: string } | { plaintext: Uint8Array };
  readonly key: Uint8Array;
  /** Nonce bytes; default 12 from the rng. */
  readonly nonce?: Uint8Array;
  /** Members; undefined = no `users` member (sub-folders). */
  readonly members?: readonly MemberSpec[];
  readonly version?: unknown;
  /** Append `|base64(nonce)` to the ciphertext (desktop, iOS, Android). */
  readonly suffix?: boolean;
  readonly filedrop?: Record<string, unknown>;
  /** Last-moment edit of the outer JSON object before serialisation. */
  readonly edit?: (doc: Record<string, unknown>) => void;
}

/** An inner document with one file and the checksum of `key`. */
export function innerWith(
  key: Uint8Array,
  rng: Rng,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    counter: 1,
    files: {
      [Buffer.from(rng(16)).toString('hex')]: fileEntry(rng, 'report.pdf', 'application/pdf'),
    },
    folders: {},
    keyChecksums: [sha256hex(key)],
    ...over,
  };
}

/** A well-formed inner file entry (random key, 12-byte nonce, tag). */
export function fileEntry(
  rng: Rng,
  filename: string,
  mimetype: string,
  nonceBytes = 12,
): Record<string, string> {
  return {
    authenticationTag: b64(rng(16)),
    filename,
    key: b64(rng(16)),
    mimetype,
    nonce: b64(rng(nonceBytes)),
  };
}

/** gzip(UTF-8(JSON)) of the inner document. */
export function innerPlaintext(inner: DocSpec['inner']): Uint8Array {
  if ('plaintext' in inner && inner.plaintext instanceof Uint8Array) return inner.plaintext;
  const text =
    'text' in inner && typeof inner.text === 'string' ? inner.text : JSON.stringify(inner);
  return new Uint8Array(gzipSync(Buffer.from(text, 'utf8')));
}

/** AES-128-GCM seal: ct ‖ tag. */
export function seal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
  return new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

/** The outer document as a JSON object. */
export function buildDocObject(spec: DocSpec, rng: Rng): Record<string, unknown> {
  const nonce = spec.nonce ?? rng(12);
  const sealed = seal(spec.key, nonce, innerPlaintext(spec.inner));
  const doc: Record<string, unknown> = {
    metadata: {
      authenticationTag: b64(sealed.subarray(sealed.length - 16)),
      ciphertext: b64(sealed) + (spec.suffix ? `|${b64(nonce)}` : ''),
      nonce: b64(nonce),
    },
    version: spec.version ?? '2.0',
  };
  if (spec.members !== undefined) {
    doc.users = spec.members.map((m) => ({
      certificate: m.certificatePem ?? m.actor.certificatePem,
      encryptedMetadataKey: b64(
        oaepWrapSeeded(m.wrapForSpki ?? m.actor.key.spki, m.wrapKey ?? spec.key, rng, m.oaep),
      ),
      userId: m.userId ?? m.actor.userId,
    }));
  }
  if (spec.filedrop !== undefined) doc.filedrop = spec.filedrop;
  spec.edit?.(doc);
  return doc;
}

/** The outer document text: canonical JSON (sorted keys, compact), as the reference writes. */
export function buildDoc(spec: DocSpec, rng: Rng): string {
  return canonicalJson(buildDocObject(spec, rng) as JsonObject);
}
