/**
 * Validation of every driver message against spec/schemas/driver/ (E2EE-DRV-004): what the
 * harness sends and what it receives. A driver message that does not validate is a harness ERROR
 * whose text names the method and the field.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { packageFileUrl } from '../../../../reference/src/_internal/package-files.js';
import { DRIVER_METHODS, type DriverMethod } from '../protocol.js';

const addFormats = addFormatsNs.default;

/** Which schema: a method's params or result, or the envelope pieces. */
export type SchemaName =
  `${DriverMethod}.${'params' | 'result'}` | 'error' | 'response' | 'request';

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function load(name: SchemaName): ValidateFunction {
  let v = compiled.get(name);
  if (v) return v;
  ajv ??= addFormatsAjv();
  const file = fileURLToPath(packageFileUrl(`spec/schemas/driver/${name}.schema.json`));
  v = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  compiled.set(name, v);
  return v;
}

function addFormatsAjv(): Ajv2020 {
  const a = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  addFormats(a);
  return a;
}

/** `/source/sha256 must match pattern …` → a readable one-line problem. */
export function describeSchemaError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(top level)' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})`
      : e.keyword === 'required'
        ? ''
        : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

/** The first problem of `value` against schema `name`, or null when it is valid. */
export function schemaProblem(name: SchemaName, value: unknown): string | null {
  const v = load(name);
  if (v(value)) return null;
  const first = v.errors?.[0];
  return first ? describeSchemaError(first) : 'is invalid';
}

/** True for the method names of the protocol. */
export function isDriverMethod(m: string): m is DriverMethod {
  return (DRIVER_METHODS as readonly string[]).includes(m);
}
