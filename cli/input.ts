/**
 * Input files of the command line, read with a size bound, and errors of the environment
 * (files, folders, sockets, name resolution) turned into codes of the closed list.
 *
 * Every input is bounded by what its format allows, so that `--blob /dev/zero` fails at once with
 * the format's code instead of filling memory (E2EE-SEC-001: typed errors, no hang). `-` names
 * standard input.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { SealfoldError, type E2eeCode } from '../reference/src/errors/index.js';

/** The most bytes an input of one format may have, and the code for more. */
export interface InputLimit {
  readonly maxBytes: number;
  readonly code: E2eeCode;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The bound of each kind of input file. */
export const LIMITS = {
  /** 12 words of at most 8 letters, with any spacing and a line break. */
  mnemonic: { maxBytes: 4 * KiB, code: 'MNEMONIC_INVALID' },
  /** `b64(ct‖tag)|b64(iv)|b64(salt)` of a PEM RSA key of at most 16384 bits. */
  keyBlob: { maxBytes: 64 * KiB, code: 'KEY_BLOB_MALFORMED' },
  /** One PEM or DER certificate. */
  certificate: { maxBytes: 64 * KiB, code: 'CERT_MALFORMED' },
  /** One PEM or DER key. */
  key: { maxBytes: 64 * KiB, code: 'KEY_MALFORMED' },
  /** A metadata document: the mock server's request-body limit. */
  metadata: { maxBytes: 64 * MiB, code: 'METADATA_MALFORMED' },
  /** An `X-NC-E2EE-SIGNATURE` value (base64 CMS with one certificate). */
  signature: { maxBytes: 1 * MiB, code: 'SIGNATURE_MALFORMED' },
  /** A secret token (management token). */
  token: { maxBytes: 4 * KiB, code: 'INPUT_MALFORMED' },
  /** A JSON file the user wrote or a run wrote: pins, users, reports. */
  json: { maxBytes: 64 * MiB, code: 'INPUT_MALFORMED' },
} as const satisfies Record<string, InputLimit>;

const CHUNK = 64 * KiB;

/** The name that stands for standard input. */
export const STDIN = '-';

const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
]);

/** The operating system's error name of `e` (`EACCES`, …), if it has one. */
export function errnoName(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code) ? code : undefined;
}

/**
 * The typed error for an error of the environment, or undefined when `e` is none. `what` names
 * the file or address (never its content). A missing input is NOT_FOUND, an existing output
 * ALREADY_EXISTS, an unreachable host SERVER_ERROR, anything else IO_FAILED.
 */
export function environmentError(e: unknown, what: string): SealfoldError | undefined {
  const name = errnoName(e);
  if (name === undefined) return undefined;
  const message = `${what}: ${name}`;
  if (name === 'ENOENT') return new SealfoldError('NOT_FOUND', message, { cause: e });
  if (name === 'EEXIST') return new SealfoldError('ALREADY_EXISTS', message, { cause: e });
  if (NETWORK_CODES.has(name)) return new SealfoldError('SERVER_ERROR', message, { cause: e });
  return new SealfoldError('IO_FAILED', message, { cause: e });
}

/** What an errno error names: its path, or its address and port. */
export function environmentSubject(e: unknown): string {
  const x = e as { path?: unknown; address?: unknown; port?: unknown; hostname?: unknown };
  if (typeof x.path === 'string') return x.path;
  if (typeof x.hostname === 'string') return x.hostname;
  if (typeof x.address === 'string')
    return typeof x.port === 'number' ? `${x.address}:${x.port}` : x.address;
  return 'the environment';
}

/**
 * Reads FILE (relative to `cwd`, or standard input for `-`), at most `limit.maxBytes` bytes: one
 * byte more is `limit.code`. `option` names the input in errors.
 */
export function readBoundedInput(
  cwd: string,
  file: string,
  option: string,
  limit: InputLimit,
): Uint8Array {
  const what = `${option} ${file}`;
  let fd: number;
  try {
    fd = file === STDIN ? 0 : openSync(resolve(cwd, file), 'r');
  } catch (e) {
    throw environmentError(e, what) ?? e;
  }
  try {
    // A folder opens on Linux; reading it fails with EISDIR, which the catch below maps.
    const size = fd === 0 ? 0 : fstatSync(fd).size;
    if (size > limit.maxBytes) throw tooLarge(what, limit);
    // Read in chunks until one byte more than the bound: that tells "too large" from "exactly
    // the bound" also for devices and pipes, whose size stat does not know.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(Math.min(CHUNK, limit.maxBytes + 1 - total));
      const got = readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      chunks.push(chunk.subarray(0, got));
      total += got;
      if (total > limit.maxBytes) throw tooLarge(what, limit);
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } catch (e) {
    if (e instanceof SealfoldError) throw e;
    throw environmentError(e, what) ?? e;
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

function tooLarge(what: string, limit: InputLimit): SealfoldError {
  return new SealfoldError(limit.code, `${what}: larger than ${limit.maxBytes} bytes`);
}

/** True when more than one of `files` is standard input, which can be read only once. */
export function stdinUsedTwice(...files: ReadonlyArray<string | undefined>): boolean {
  return files.filter((f) => f === STDIN).length > 1;
}
