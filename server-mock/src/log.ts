/**
 * Structured logs: one JSON object per line. The request log records method, path, status,
 * duration and user only; never bodies, headers, query strings, keys, tokens or passwords
 * (E2EE-SEC-060). Path segments that carry secrets (link-share tokens) are replaced by `*`.
 *
 * @module
 */

/** A log sink; the server writes plain JSON-able objects to it. */
export interface Logger {
  write(entry: Readonly<Record<string, string | number | boolean | null>>): void;
}

/** Writes JSON lines through `out` (stderr for `sealfold serve`). */
export function jsonLineLogger(out: (line: string) => void): Logger {
  return { write: (entry) => out(JSON.stringify(entry) + '\n') };
}

/** A logger that drops everything. */
export const nullLogger: Logger = Object.freeze({ write: () => {} });

/** A logger that keeps entries in an array (tests). */
export function memoryLogger(): Logger & { entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  return { entries, write: (e) => void entries.push({ ...e }) };
}

/**
 * Path prefixes whose next segment is a secret (link-share tokens). WebDAV and share routers add
 * their secret-bearing prefixes here.
 */
const SECRET_SEGMENT_AFTER = [
  /^(\/public\.php\/dav\/files\/)[^/]+/,
  /^(\/public\.php\/webdav\/)[^/]+/,
  /^((?:\/index\.php)?\/s\/)[^/]+/,
  /^(\/ocs\/v[12]\.php\/apps\/files_sharing\/api\/v1\/shares\/pending\/)[^/]+/,
];

/**
 * The path to log: the query string is dropped (it can carry `e2e-token` or `shareToken`), secret
 * segments are masked, and the result is cut to 200 characters.
 */
export function redactPath(originalUrl: string): string {
  let path = originalUrl.split('?')[0] ?? '';
  for (const re of SECRET_SEGMENT_AFTER) path = path.replace(re, '$1*');
  return path.length > 200 ? path.slice(0, 200) + '…' : path;
}
