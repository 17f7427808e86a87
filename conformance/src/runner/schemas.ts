/**
 * Validation of the suite's input files against their published schemas (spec/schemas/).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { REPO_ROOT } from './suite-info.js';
import { ConfigError } from './config-error.js';

const addFormats = addFormatsNs.default;
const compiled = new Map<string, ValidateFunction>();

function validator(schemaFile: string): ValidateFunction {
  let v = compiled.get(schemaFile);
  if (!v) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, useDefaults: true });
    addFormats(ajv);
    const schema = JSON.parse(
      readFileSync(join(REPO_ROOT, 'spec', 'schemas', schemaFile), 'utf8'),
    ) as object;
    v = ajv.compile(schema);
    compiled.set(schemaFile, v);
  }
  return v;
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(top level)' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})`
      : e.keyword === 'enum'
        ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
        : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

/**
 * Validates `doc` against `spec/schemas/<schemaFile>` (filling schema defaults in place) and
 * throws a ConfigError naming the first problem and the file.
 */
export function validateOrThrow<T>(schemaFile: string, doc: unknown, what: string): T {
  const v = validator(schemaFile);
  if (!v(doc)) {
    const first = v.errors?.[0];
    throw new ConfigError(
      `${what} does not match ${schemaFile}: ${first ? describeError(first) : 'invalid'}`,
    );
  }
  return doc as T;
}

/** Reads and parses a JSON file; unreadable or malformed files are ConfigErrors. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(`${what} ${path} is not JSON: ${(e as Error).message}`);
  }
}
