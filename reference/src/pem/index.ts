/**
 * PEM (RFC 7468 textual encoding) for keys, CSRs and certificates: spec/02-keys.md §PEM.
 *
 * Writers emit the strict RFC 7468 form: `-----BEGIN <label>-----`, base64 in lines of exactly
 * 64 characters (the last one shorter), `-----END <label>-----`, each line ended by `\n`
 * (E2EE-KEY-010). Readers accept what real Nextcloud clients write; every tolerance is named
 * below and in the spec (E2EE-KEY-011), and nothing else is accepted (E2EE-KEY-012):
 *
 * - `any-line-width`: body lines of any length (Android wraps at 65 or 76, OpenSSL at 64);
 * - `single-line-body`: the whole body on one line (Android's CSR);
 * - `no-final-newline`: no line break after the END line (Android certificates, testdata files);
 * - `crlf`: CRLF line breaks (Windows desktop, Java `System.lineSeparator()`);
 * - `surrounding-whitespace`: spaces, tabs and blank lines before BEGIN, after END, and at the
 *   ends of body lines (copy/paste, JSON string trimming differences).
 *
 * Not accepted: explanatory text before BEGIN or after END (RFC 7468 §5.2 allows it, no client
 * writes it), RFC 1421 headers (`Proc-Type:`), several blocks, a label other than the expected
 * one, characters outside the base64 alphabet, non-canonical padding.
 *
 * @module
 */
import { astring, abytes, fromBase64, toBase64 } from '../_internal/bytes.js';
import { SealfoldError, type E2eeCode } from '../errors/index.js';

/** PEM labels used by this specification. */
export const PEM_LABELS = {
  privateKey: 'PRIVATE KEY',
  publicKey: 'PUBLIC KEY',
  certificate: 'CERTIFICATE',
  csr: 'CERTIFICATE REQUEST',
} as const;
export type PemLabel = (typeof PEM_LABELS)[keyof typeof PEM_LABELS];

/** RFC 7468 §3: a label is printable ASCII without '-', single spaces between words. */
const LABEL = /^[\x21-\x2c\x2e-\x7e]+(?: [\x21-\x2c\x2e-\x7e]+)*$/;
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;

/** The line width writers use (RFC 7468 §2). */
export const PEM_LINE_WIDTH = 64;

function checkLabel(label: string): void {
  astring(label, 'label');
  if (!LABEL.test(label)) throw new TypeError(`"label" is not a valid PEM label: ${label}`);
}

/**
 * Decodes one PEM block with the expected `label` and returns its DER bytes.
 *
 * @param text PEM text; the reader tolerances of the module comment apply.
 * @param label Expected label, e.g. `'CERTIFICATE'`.
 * @param code Error code for a malformed block (default PEM_MALFORMED).
 * @returns The decoded body (not checked to be DER; the caller parses it).
 * @throws SealfoldError(`code`) when the text is not exactly one block with that label and a
 *   valid base64 body.
 * @example
 * const der = pemDecode(certPem, 'CERTIFICATE');
 */
export function pemDecode(
  text: string,
  label: string,
  code: E2eeCode = 'PEM_MALFORMED',
): Uint8Array {
  checkLabel(label);
  if (typeof text !== 'string') throw new SealfoldError(code, `PEM input must be a string`);
  // Tolerances `crlf` and `surrounding-whitespace`: split on LF or CRLF and trim every line;
  // blank lines are dropped. `no-final-newline` follows from splitting.
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  // E2EE-KEY-012 (MUST, both): exactly one block, with the expected label, and nothing else.
  if (lines.length < 2 || lines[0] !== begin || lines[lines.length - 1] !== end) {
    const found = /^-----BEGIN ([^-]*)-----$/.exec(lines[0] ?? '')?.[1];
    throw new SealfoldError(
      code,
      found !== undefined && found !== label
        ? `expected a PEM block labelled "${label}", found "${found}"`
        : `not a single PEM block labelled "${label}"`,
    );
  }
  const body = lines.slice(1, -1);
  // Tolerances `any-line-width` and `single-line-body`: lines are joined whatever their width,
  // but each must consist of base64 characters only (no headers, no second block).
  for (const l of body) {
    if (!BASE64_LINE.test(l)) {
      throw new SealfoldError(code, `the body of the "${label}" PEM block is not base64`);
    }
  }
  const joined = body.join('');
  if (joined === '') throw new SealfoldError(code, `the "${label}" PEM block is empty`);
  return fromBase64(joined, `${label} PEM body`, code);
}

/**
 * Encodes DER bytes as PEM with `label`: 64-character lines and a final newline (E2EE-KEY-010).
 *
 * @example
 * const pem = pemEncode('PUBLIC KEY', spkiDer);
 */
export function pemEncode(label: string, der: Uint8Array): string {
  checkLabel(label);
  abytes(der, 'der');
  if (der.length === 0) throw new RangeError('"der" must not be empty');
  const b64 = toBase64(der);
  const lines: string[] = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < b64.length; i += PEM_LINE_WIDTH) lines.push(b64.slice(i, i + PEM_LINE_WIDTH));
  lines.push(`-----END ${label}-----`);
  return lines.join('\n') + '\n';
}

/** True when `text` looks like PEM (starts, after whitespace, with `-----BEGIN `). */
export function looksLikePem(text: unknown): text is string {
  return typeof text === 'string' && /^\s*-----BEGIN /.test(text);
}
