/**
 * Problems: every refusal the mock server can give, with its error code (spec/01-errors.md), its
 * HTTP status per server profile (spec/10-server-api.md, protocol-notes §2.4) and its default
 * message. Handlers throw `problem('name')`; the OCS error handler turns it into an envelope with
 * the profile's status, plus the header `X-Sealfold-E2EE-Code` naming the code (E2EE-API-008).
 *
 * Adding a problem is one entry in {@link PROBLEMS}.
 *
 * @module
 */
import { SealfoldError, type E2eeCode } from '../../reference/src/errors/index.js';
import type { Profile } from './config.js';

interface ProblemDef {
  readonly code: E2eeCode;
  /** A number, or one per profile. */
  readonly status: number | Readonly<Record<Profile, number>>;
  readonly message: string;
}

/** Every problem by name. */
export const PROBLEMS = {
  // Transport, authentication and gates (E2EE-API-003..007).
  notLoggedIn: { code: 'AUTH_FAILED', status: 401, message: 'Current user is not logged in' },
  csrfCheckFailed: {
    code: 'FORBIDDEN',
    status: 412,
    message: 'CSRF check failed: send the header OCS-APIRequest: true',
  },
  userAgentNotAllowed: {
    code: 'FORBIDDEN',
    status: 403,
    message: 'Client is not allowed to access end-to-end encrypted content',
  },
  passwordConfirmationRequired: {
    code: 'FORBIDDEN',
    status: 403,
    message: 'Password confirmation is required',
  },
  badRequest: { code: 'INPUT_MALFORMED', status: 400, message: 'Bad request' },
  payloadTooLarge: { code: 'INPUT_MALFORMED', status: 413, message: 'Request body too large' },
  notFound: { code: 'NOT_FOUND', status: 404, message: 'Not found' },
  routeNotFound: {
    code: 'NOT_FOUND',
    status: 404,
    message: 'Invalid query, please check the syntax',
  },
  forbidden: { code: 'FORBIDDEN', status: 403, message: 'Forbidden' },
  internal: { code: 'SERVER_ERROR', status: 500, message: 'Internal server error' },

  // Keys and certificates (E2EE-API-020..059).
  publicKeyNotFound: {
    code: 'NOT_FOUND',
    status: 404,
    message: 'Could not find the public key belonging to the user',
  },
  publicKeysNotFound: { code: 'NOT_FOUND', status: 404, message: 'Could not find the public keys' },
  publicKeyExists: { code: 'ALREADY_EXISTS', status: 409, message: 'A public key already exists' },
  csrMalformed: { code: 'CSR_MALFORMED', status: 400, message: 'The CSR could not be parsed' },
  csrInvalid: { code: 'CSR_INVALID', status: 400, message: 'The CSR signature does not verify' },
  csrCnMismatch: {
    code: 'CERT_USER_MISMATCH',
    status: 403,
    message: 'Common name (CN) does not match the current user',
  },
  shareNotOwned: {
    code: 'FORBIDDEN',
    status: 403,
    message: 'The share does not belong to the user',
  },
  certMalformed: {
    code: 'CERT_MALFORMED',
    status: 400,
    message: 'The certificate could not be parsed',
  },
  certCnMismatch: {
    code: 'CERT_USER_MISMATCH',
    status: 400,
    message: 'Common name (CN) does not match the current user',
  },
  privateKeyNotFound: {
    code: 'NOT_FOUND',
    status: 404,
    message: 'Could not find the private key belonging to the user',
  },
  privateKeyExists: {
    code: 'ALREADY_EXISTS',
    status: 409,
    message: 'A private key already exists',
  },
  privateKeyFormat: {
    code: 'KEY_BLOB_MALFORMED',
    status: 400,
    message: 'Invalid private key format',
  },

  // Locking and metadata (protocol-notes §2.4; used by the locking and metadata routers).
  lockCounterMissing: {
    code: 'INPUT_MALFORMED',
    status: { nc30: 412, nc32: 400 },
    message: 'X-NC-E2EE-COUNTER is missing or 0',
  },
  lockedByOther: {
    code: 'LOCK_CONFLICT',
    status: { nc30: 403, nc32: 423 },
    message: 'File already locked',
  },
  lockCounterNotGreater: {
    code: 'COUNTER_ROLLBACK',
    status: { nc30: 500, nc32: 412 },
    message: 'Received counter is not greater than the stored one',
  },
  metadataHeaderEmpty: {
    code: 'INPUT_MALFORMED',
    status: { nc30: 412, nc32: 400 },
    message: 'e2e-token and X-NC-E2EE-SIGNATURE must not be empty',
  },
  metadataPutNotLocked: {
    code: 'LOCK_CONFLICT',
    status: { nc30: 403, nc32: 412 },
    message: 'Folder is not locked',
  },
  metadataPostNotLocked: { code: 'LOCK_CONFLICT', status: 403, message: 'Folder is not locked' },
  metadataExists: { code: 'ALREADY_EXISTS', status: 409, message: 'Metadata already exists' },
  unlockEmptyToken: {
    code: 'INPUT_MALFORMED',
    status: { nc30: 412, nc32: 400 },
    message: 'e2e-token is empty',
  },
  lockTokenWrong: { code: 'LOCK_CONFLICT', status: 403, message: 'Wrong e2e-token' },
  notLocked: { code: 'NOT_FOUND', status: 404, message: 'Folder is not locked' },
  clientCannotHandle: {
    code: 'UNSUPPORTED',
    status: 403,
    message: 'Client version cannot handle this metadata version',
  },
} as const satisfies Record<string, ProblemDef>;

export type ProblemName = keyof typeof PROBLEMS;

/** The HTTP status of `name` under `profile`. */
export function problemStatus(name: ProblemName, profile: Profile): number {
  const s = (PROBLEMS[name] as ProblemDef).status;
  return typeof s === 'number' ? s : s[profile];
}

/** A refusal carrying its problem name; a SealfoldError so that logs and tests see its code. */
export class HttpProblem extends SealfoldError {
  readonly problem: ProblemName;
  constructor(name: ProblemName, message?: string) {
    super(PROBLEMS[name].code, message ?? PROBLEMS[name].message);
    this.name = 'HttpProblem';
    this.problem = name;
  }
}

/** Creates the problem `name` (throw it). */
export function problem(name: ProblemName, message?: string): HttpProblem {
  return new HttpProblem(name, message);
}

/** Status for a SealfoldError raised below the HTTP layer (store, CA) without a problem name. */
const STATUS_BY_CODE: Partial<Record<E2eeCode, ProblemName>> = {
  NOT_FOUND: 'notFound',
  ALREADY_EXISTS: 'publicKeyExists',
  FORBIDDEN: 'forbidden',
  AUTH_FAILED: 'notLoggedIn',
};

/**
 * Maps any thrown value to `{ status, code, message }`. Messages of errors that are not Sealfold's
 * own are never passed on (they may quote request bytes): they become a fixed text.
 */
export function toProblem(
  e: unknown,
  profile: Profile,
): { status: number; code: E2eeCode; message: string } {
  if (e instanceof HttpProblem)
    return { status: problemStatus(e.problem, profile), code: e.code, message: e.message };
  if (e instanceof SealfoldError) {
    const code: E2eeCode = e.code;
    const name = STATUS_BY_CODE[code];
    const status = name ? problemStatus(name, profile) : code === 'SERVER_ERROR' ? 500 : 400;
    return { status, code, message: e.message };
  }
  // E2EE-SEC-062 (MUST NOT, server): foreign error messages may quote the request; never echo them.
  // body-parser and express errors carry a 4xx `status` and a `type`.
  const err = e as { status?: unknown; type?: unknown };
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    if (err.status === 413)
      return { status: 413, code: 'INPUT_MALFORMED', message: PROBLEMS.payloadTooLarge.message };
    const what =
      err.type === 'entity.parse.failed' ? 'The request body is not valid JSON' : 'Bad request';
    return { status: err.status, code: 'INPUT_MALFORMED', message: what };
  }
  return { status: 500, code: 'SERVER_ERROR', message: PROBLEMS.internal.message };
}
