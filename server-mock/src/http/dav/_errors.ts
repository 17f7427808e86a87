/**
 * WebDAV failures: an HTTP status, the Sabre exception class Nextcloud would name in its error
 * body, and the spec's error code. WebDAV handlers throw {@link DavFailure}; the router turns it
 * (and any E2EE engine failure) into a `<d:error>` document, never into a 5xx.
 *
 * @module
 */
import { SealfoldError, type E2eeCode } from '../../../../reference/src/errors/index.js';

/** Sabre exception names used by the mock (the part after `Sabre\DAV\Exception\`). */
export type SabreException =
  | 'BadRequest'
  | 'Forbidden'
  | 'NotAuthenticated'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'Conflict'
  | 'PreconditionFailed'
  | 'UnsupportedMediaType'
  | 'Locked'
  | 'InsufficientStorage'
  | 'TooLarge';

/** A rejected WebDAV request. */
export class DavFailure extends SealfoldError {
  readonly status: number;
  readonly exception: SabreException;

  constructor(status: number, exception: SabreException, code: E2eeCode, message: string) {
    super(code, message);
    this.status = status;
    this.exception = exception;
  }
}

/** Shorthands for the common failures. */
export const dav = {
  badRequest: (m: string) => new DavFailure(400, 'BadRequest', 'INPUT_MALFORMED', m),
  forbidden: (m: string) => new DavFailure(403, 'Forbidden', 'FORBIDDEN', m),
  notFound: (m: string) => new DavFailure(404, 'NotFound', 'NOT_FOUND', m),
  notAllowed: (m: string) => new DavFailure(405, 'MethodNotAllowed', 'UNSUPPORTED', m),
  conflict: (m: string) => new DavFailure(409, 'Conflict', 'NOT_FOUND', m),
  precondition: (m: string) => new DavFailure(412, 'PreconditionFailed', 'ALREADY_EXISTS', m),
  mediaType: (m: string) => new DavFailure(415, 'UnsupportedMediaType', 'INPUT_MALFORMED', m),
  tooLarge: (m: string) => new DavFailure(413, 'TooLarge', 'INPUT_MALFORMED', m),
} as const;
