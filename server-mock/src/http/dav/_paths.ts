/**
 * WebDAV paths: decoding request paths and `Destination` headers segment by segment, and writing
 * hrefs. Nothing is normalised: a segment that is not a valid name is refused (E2EE-API-817, E2EE-API-818).
 *
 * @module
 */
import { tree } from '../../store/index.js';
import { dav } from './_errors.js';
import { NO_FAULTS, type FaultSwitches } from '../../faults.js';

/** Where each user's files are served. */
export const DAV_FILES_PREFIX = '/remote.php/dav/files/';

/** A decoded WebDAV location: the `<uid>` segment and the path below it. */
export interface DavLocation {
  readonly user: string;
  /** Decoded names below the user's root (empty for the root). */
  readonly segments: readonly string[];
}

/**
 * E2EE-API-817: a segment is a valid store name (`tree.isValidName`: 1..250 UTF-8 bytes, not
 * `.`/`..`, without `/`, `\` or controls; Nextcloud refuses the same set).
 */
function checkSegment(seg: string): string {
  if (!tree.isValidName(seg)) throw dav.badRequest('invalid path segment');
  return seg;
}

function decodeSegment(raw: string, faults: FaultSwitches): string {
  let seg: string;
  try {
    seg = decodeURIComponent(raw);
  } catch {
    // E2EE-API-817 (MUST, server): invalid percent-encoding is a client error, not a 500.
    throw dav.badRequest('invalid percent-encoding in the path');
  }
  // E2EE-API-817, E2EE-API-818 (MUST, server): a decoded segment must be a valid name; it is
  // refused, never normalised.
  return faults.on('dav-path-segments-unchecked') ? seg : checkSegment(seg);
}

/**
 * Decodes the path of a request URL (no query) below {@link DAV_FILES_PREFIX}.
 * Empty segments (`a//b`, a trailing `/`) are skipped; everything else must be a valid name.
 * @throws DavFailure 400 (E2EE-API-817), 404 when the path is not below the prefix
 */
export function parseDavPath(path: string, faults: FaultSwitches = NO_FAULTS): DavLocation {
  if (!path.startsWith(DAV_FILES_PREFIX)) throw dav.notFound('not a WebDAV files path');
  const raw = path.slice(DAV_FILES_PREFIX.length).split('/');
  const userRaw = raw[0] ?? '';
  if (userRaw === '') throw dav.notFound('no user in the WebDAV path');
  const user = decodeSegment(userRaw, faults);
  const segments = raw
    .slice(1)
    .filter((s) => s !== '')
    .map((s) => decodeSegment(s, faults));
  return { user, segments };
}

/**
 * Decodes a `Destination` header: an absolute `http(s)` URL or an absolute path, below the files
 * prefix (E2EE-API-234). The host is not compared: the mock serves one origin under many names
 * (127.0.0.1, localhost, test agents).
 * @throws DavFailure 400 when missing or malformed
 */
export function parseDestination(header: string | undefined): DavLocation {
  if (header === undefined || header.trim() === '') throw dav.badRequest('Destination is missing');
  // The raw path is taken as sent: URL parsing would resolve `..` and `%2e%2e` segments, which
  // E2EE-API-818 forbids.
  const m = /^(?:https?:\/\/[^/?#]+)?(\/[^#]*)$/i.exec(header.trim());
  if (!m) throw dav.badRequest('Destination is not an absolute http(s) URL or path');
  const path = m[1]!;
  if (path.includes('?') || path.includes('#')) throw dav.badRequest('Destination has a query');
  if (!path.startsWith(DAV_FILES_PREFIX))
    throw dav.badRequest('Destination is outside /remote.php/dav/files/');
  return parseDavPath(path);
}

/** The href of a node: encoded segments, with a trailing `/` for folders. */
export function hrefFor(user: string, segments: readonly string[], folder: boolean): string {
  const tail = segments.map(encodeURIComponent).join('/');
  const base = `${DAV_FILES_PREFIX}${encodeURIComponent(user)}`;
  if (segments.length === 0) return `${base}/`;
  return `${base}/${tail}${folder ? '/' : ''}`;
}
