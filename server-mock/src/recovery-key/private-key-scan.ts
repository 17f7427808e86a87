/**
 * Refuses anything that looks like a private key in what an administrator asks the server to
 * publish (spec/20-recovery-key.md E2EE-RKEY-041, SRV-10): a PEM `PRIVATE KEY` block anywhere, or
 * a base64 string that decodes to a PKCS#8 or PKCS#1 private key, at any depth, including inside
 * the base64-encoded policy. The server must never hold the recovery private key, not even by
 * an administrator's mistake.
 *
 * @module
 */
import { createPrivateKey } from 'node:crypto';

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Long enough for the smallest private key anyone would escrow (Ed25519 PKCS#8 is 48 bytes). */
const MIN_KEY_B64 = 60;

function isPrivateKeyDer(der: Buffer): boolean {
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}

function stringHasPrivateKey(s: string, depth: number): boolean {
  if (/PRIVATE KEY/i.test(s)) return true;
  if (s.length < MIN_KEY_B64 || !B64.test(s)) return false;
  const bytes = Buffer.from(s, 'base64');
  if (isPrivateKeyDer(bytes)) return true;
  // The policy member is base64 of JSON: look inside it too.
  if (depth < 2 && bytes[0] === 0x7b) {
    try {
      return valueHasPrivateKey(JSON.parse(bytes.toString('utf8')) as unknown, depth + 1);
    } catch {
      return false;
    }
  }
  return false;
}

function valueHasPrivateKey(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return stringHasPrivateKey(v, depth);
  if (Array.isArray(v)) return v.some((x) => valueHasPrivateKey(x, depth));
  if (v !== null && typeof v === 'object')
    return Object.entries(v).some(
      ([k, x]) => stringHasPrivateKey(k, depth) || valueHasPrivateKey(x, depth),
    );
  return false;
}

/** True when `text` (the statement as submitted) carries private key material. */
export function containsPrivateKey(text: string): boolean {
  if (/PRIVATE KEY/i.test(text)) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  return valueHasPrivateKey(parsed, 0);
}
