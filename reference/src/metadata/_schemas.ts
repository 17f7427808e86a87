/**
 * The metadata JSON Schemas of `spec/schemas/`, compiled once with ajv (draft 2020-12). The
 * schemas are the spec's; this module only runs them and turns the first violation into a
 * METADATA_MALFORMED error that names the field (never its value).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { SealfoldError } from '../errors/index.js';
import { packageFileUrl } from '../_internal/package-files.js';

const SCHEMA_FILES = [
  'metadata-v2.schema.json',
  'metadata-v2-inner.schema.json',
  'metadata-v2-filedrop.schema.json',
  'metadata-v1.schema.json',
] as const;
type SchemaFile = (typeof SCHEMA_FILES)[number];

function compileAll(): Readonly<Record<SchemaFile, ValidateFunction>> {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  const out = {} as Record<SchemaFile, ValidateFunction>;
  for (const f of SCHEMA_FILES) {
    const url = packageFileUrl(`spec/schemas/${f}`);
    ajv.addSchema(JSON.parse(readFileSync(url, 'utf8')) as object, f);
  }
  for (const f of SCHEMA_FILES) out[f] = ajv.getSchema(f)!;
  return Object.freeze(out);
}

// Compiled on first use, not at import: compiling schemas costs every CLI start that loads
// this module about 100 ms (ajv generates code), though most commands never validate with them.
let validators: ReturnType<typeof compileAll> | undefined;

/**
 * Validates `value` against one schema; throws METADATA_MALFORMED naming `what` and the path of
 * the first violation.
 */
export function validateSchema(schema: SchemaFile, value: unknown, what: string): void {
  const v = (validators ??= compileAll())[schema];
  if (v(value)) return;
  const e = v.errors?.[0];
  const where = e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` : 'is invalid';
  throw new SealfoldError('METADATA_MALFORMED', `${what}: ${where}`);
}
