/**
 * Problems: the refusals of the OCS, key and management endpoints, with their error code
 * (spec/01-errors.md), HTTP status and default message. Handlers throw `problem('name')`; the OCS
 * error handler turns it into an envelope with that status, plus the header `X-Sealfold-E2EE-Code`
 * naming the code (E2EE-API-008).
 *
 * Statuses that differ by profile belong to the E2EE transaction API (locks, metadata, filedrop,
 * staged WebDAV writes) and live in one table only, `FAILURES` in `e2ee/profiles.ts`
 * (E2EE-LOCK-071); {@link toProblem} maps an `E2eeFailure` through it.
 *
 * Adding a problem is one entry in {@link PROBLEMS}.
 *
 * @module
 */
import { SealfoldError, type E2eeCode } from '../../reference/src/errors/index.js';
import type { Profile } from './config.js';
import { isE2eeFailure, statusFor } from './e2ee/profiles.js';

interface ProblemDef {
  readonly code: E2eeCode;
  readonly status: number;
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
  rateLimited: { code: 'FORBIDDEN', status: 429, message: 'Rate limit exceeded' },
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
} as const satisfies Record<string, ProblemDef>;

export type ProblemName = keyof typeof PROBLEMS;

/** The HTTP status of `name`. */
export function problemStatus(name: ProblemName): number {
  return PROBLEMS[name].status;
}

/** A refusal carrying its problem name; a SealfoldError so that logs and tests see its code. */
export class HttpProblem extends SealfoldError {
  readonly problem: ProblemName;
  /** What the client can do about it; sent as `data.message` of the OCS envelope. */
  readonly hint: string | undefined;
  constructor(name: ProblemName, message?: string, hint?: string) {
    super(PROBLEMS[name].code, message ?? PROBLEMS[name].message);
    this.name = 'HttpProblem';
    this.problem = name;
    this.hint = hint;
  }
}

/** Creates the problem `name` (throw it). */
export function problem(name: ProblemName, message?: string, hint?: string): HttpProblem {
  return new HttpProblem(name, message, hint);
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
): { status: number; code: E2eeCode; message: string; hint?: string } {
  if (e instanceof HttpProblem)
    return {
      status: problemStatus(e.problem),
      code: e.code,
      message: e.message,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    };
  // E2EE-LOCK-070 (MUST, server): transaction-API refusals get their profile's status.
  if (isE2eeFailure(e))
    return { status: statusFor(e.kind, profile), code: e.code, message: e.message };
  if (e instanceof SealfoldError) {
    const code: E2eeCode = e.code;
    const name = STATUS_BY_CODE[code];
    const status = name ? problemStatus(name) : code === 'SERVER_ERROR' ? 500 : 400;
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
