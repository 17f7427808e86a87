/**
 * Persistent client state: a small JSON key-value store used for pins (spec/03-certificates.md
 * §Pinning) and metadata high-water marks. The on-disk form is the state document
 * ([schema](../../../spec/schemas/state-store.schema.json)):
 *
 *     { "format": "sealfold-state", "version": 1, "entries": { "<key>": <JSON value>, … } }
 *
 * A file store replaces the whole document atomically on every write (temporary file in the same
 * directory, fsync, rename, fsync of the directory), so a crash leaves either the old or the new
 * document, never a torn one (E2EE-SEC-010). A document that does not parse or does not match
 * the schema is never overwritten or ignored: every operation fails with INPUT_MALFORMED
 * (fail closed, E2EE-SEC-011).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { astring } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';

/** A JSON value as stored. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An asynchronous JSON key-value store. Values are copied in and out. */
export interface StateStore {
  /** The value stored under `key`, or undefined. */
  get<T = JsonValue>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable `value` under `key` (durably, for file stores). */
  set(key: string, value: unknown): Promise<void>;
  /** Removes `key`; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** All keys, sorted. */
  keys(): Promise<string[]>;
}

/** The state document's `format` value. */
export const STATE_FORMAT = 'sealfold-state';
/** The state document's `version` value. */
export const STATE_VERSION = 1;

function checkKey(key: string): void {
  astring(key, 'key');
  if (key === '') throw new RangeError('"key" must not be empty');
}

/** Serialises `value` as JSON, rejecting what JSON cannot represent faithfully. */
function toJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    throw new TypeError('"value" is not JSON-serialisable', { cause: e });
  }
  if (text === undefined) throw new TypeError('"value" is not JSON-serialisable');
  return text;
}

/** In-memory store (tests, ephemeral clients). */
export class MemoryStateStore implements StateStore {
  readonly #entries = new Map<string, string>();

  async get<T = JsonValue>(key: string): Promise<T | undefined> {
    checkKey(key);
    const v = this.#entries.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  async set(key: string, value: unknown): Promise<void> {
    checkKey(key);
    this.#entries.set(key, toJson(value));
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return this.#entries.delete(key);
  }

  async keys(): Promise<string[]> {
    return [...this.#entries.keys()].sort();
  }
}

/** Parses and checks a state document; anything unexpected is INPUT_MALFORMED. */
function parseDocument(text: string, path: string): Map<string, JsonValue> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SealfoldError('INPUT_MALFORMED', `state file ${basename(path)} is not JSON`, {
      cause: e,
    });
  }
  const d = doc as { format?: unknown; version?: unknown; entries?: unknown } | null;
  // E2EE-SEC-011 (MUST, client): a state document of unknown shape fails closed.
  if (
    d === null ||
    typeof d !== 'object' ||
    Array.isArray(d) ||
    d.format !== STATE_FORMAT ||
    d.version !== STATE_VERSION ||
    d.entries === null ||
    typeof d.entries !== 'object' ||
    Array.isArray(d.entries) ||
    Object.keys(d).some((k) => k !== 'format' && k !== 'version' && k !== 'entries')
  ) {
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `state file ${basename(path)} is not a ${STATE_FORMAT} version ${STATE_VERSION} document`,
    );
  }
  // A Map, so that keys such as `__proto__` are plain keys.
  return new Map(Object.entries(d.entries as Record<string, JsonValue>));
}

/**
 * A store persisted in one JSON file. The file is read on every operation (so several store
 * objects, or processes run one after another, see each other's writes) and replaced
 * atomically on every change. Writes through one object are serialised.
 */
export class FileStateStore implements StateStore {
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    astring(path, 'path');
    if (path === '') throw new RangeError('"path" must not be empty');
    this.path = path;
  }

  async #read(): Promise<Map<string, JsonValue>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw e;
    }
    return parseDocument(text, this.path);
  }

  /** E2EE-SEC-010: temp file + fsync + rename + directory fsync. */
  async #write(entries: Map<string, JsonValue>): Promise<void> {
    // Keys sorted; built with defineProperty semantics (Object.fromEntries) so `__proto__` stays data.
    const sorted = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
    const text =
      JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, entries: sorted }, null, 2) +
      '\n';
    const dir = dirname(this.path);
    const tmp = join(dir, `.${basename(this.path)}.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      // E2EE-SEC-010 (MUST, client): the new document replaces the old one atomically.
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } catch {
      // Some file systems cannot fsync a directory; the rename is still atomic.
    } finally {
      await dh.close();
    }
  }

  /** Runs `fn` after every earlier write through this object. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async get<T = JsonValue>(key: string): Promise<T | undefined> {
    checkKey(key);
    // Every read parses the file afresh, so the value is already a copy nobody else holds.
    const entries = await this.#serial(() => this.#read());
    return entries.get(key) as T | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    checkKey(key);
    const json = JSON.parse(toJson(value)) as JsonValue;
    await this.#serial(async () => {
      const entries = await this.#read();
      entries.set(key, json);
      await this.#write(entries);
    });
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return this.#serial(async () => {
      const entries = await this.#read();
      if (!entries.delete(key)) return false;
      await this.#write(entries);
      return true;
    });
  }

  async keys(): Promise<string[]> {
    return [...(await this.#serial(() => this.#read())).keys()].sort();
  }
}
