/**
 * The OCS data object of `/private-key` (`{"private-key": "<blob>"}`), checked with the spec's
 * JSON Schema `spec/schemas/private-key-blob.schema.json` (ajv, draft 2020-12).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { SealfoldError } from '../errors/index.js';
import { packageFileUrl } from '../_internal/package-files.js';

const SCHEMA_FILE = 'private-key-blob.schema.json';

function compile(): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  const url = packageFileUrl(`spec/schemas/${SCHEMA_FILE}`);
  return ajv.compile(JSON.parse(readFileSync(url, 'utf8')) as object);
}

// Compiled on first use, not at import: compiling schemas costs every CLI start that loads
// this module about 100 ms (ajv generates code), though most commands never validate with them.
let validate: ValidateFunction | undefined;

/**
 * Returns the blob string of a `/private-key` OCS data object (E2EE-REC-022, E2EE-REC-023).
 * Unknown members are ignored.
 *
 * @throws SealfoldError `SERVER_RESPONSE_MALFORMED` when `data` is not an object with a string
 *   `private-key`; `KEY_BLOB_MALFORMED` when that string does not match the blob grammar.
 */
export function privateKeyBlobOfResponse(data: unknown): string {
  const v = (validate ??= compile());
  if (v(data)) return (data as { 'private-key': string })['private-key'];
  const e = v.errors?.[0];
  if (e?.keyword === 'pattern') {
    throw new SealfoldError(
      'KEY_BLOB_MALFORMED',
      'the "private-key" value is not b64(ciphertext)|b64(iv)|b64(salt) with a 12- or 16-byte iv and a 40-byte salt',
    );
  }
  const where = e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` : 'is invalid';
  throw new SealfoldError('SERVER_RESPONSE_MALFORMED', `the /private-key response data: ${where}`);
}
