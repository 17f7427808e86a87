/**
 * `report.json`: validation against the published schema
 * ([conformance-report.schema.json](../../../spec/schemas/conformance-report.schema.json)) on
 * every write and every read (E2EE-CONF-200, E2EE-CONF-201).
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import type { Report } from './types.js';
import { assertNoSecrets } from './secrets.js';
import { packageFileUrl } from '../../../reference/src/_internal/package-files.js';

const addFormats = addFormatsNs.default;

const SCHEMA_URL = packageFileUrl('spec/schemas/conformance-report.schema.json');

let validator: ValidateFunction | undefined;

/** The compiled schema (compiled on first use: most CLI commands never need it). */
function compiled(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  }
  return validator;
}

/**
 * Checks `value` against the report schema.
 * @returns one line per violation (JSON pointer and message), empty when valid
 */
export function reportProblems(value: unknown): string[] {
  const validate = compiled();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
}

/**
 * The report as JSON text, after checking it. A report that does not validate, or that holds
 * one of `secrets`, is a bug in the harness, never the subject's fault: it throws a plain Error.
 */
export function renderJsonReport(report: Report, secrets: readonly string[] = []): string {
  const problems = reportProblems(report);
  if (problems.length > 0) {
    // E2EE-CONF-200: a report that does not validate is never written.
    throw new Error(`harness bug: the report does not validate: ${problems.join('; ')}`);
  }
  const text = JSON.stringify(report, null, 2) + '\n';
  assertNoSecrets('report.json', report, text, secrets);
  return text;
}

/** Validates and writes `report` to `file` (see {@link renderJsonReport}). */
export function writeJsonReport(file: string, report: Report, secrets?: readonly string[]): void {
  writeFileSync(file, renderJsonReport(report, secrets));
}

/**
 * Parses and validates report text.
 * @throws SealfoldError INPUT_MALFORMED when it is not JSON or does not validate (naming the
 *   first violations, never values)
 */
export function parseJsonReport(text: string, what = 'report'): Report {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SealfoldError('INPUT_MALFORMED', `${what} is not JSON`);
  }
  const problems = reportProblems(value);
  if (problems.length > 0) {
    // E2EE-CONF-201: readers refuse reports that do not validate.
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `${what} is not a valid Sealfold conformance report: ${problems.slice(0, 3).join('; ')}`,
    );
  }
  return value as Report;
}
