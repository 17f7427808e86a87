/**
 * Redaction at record time (E2EE-CONF-060): every string that is kept as evidence passes through a
 * {@link Redactor} first, so that no report, console line or HTML page can carry a secret even if a
 * writer forgets to check. The writers' own guard (`report/secrets.ts`) is the second line.
 *
 * @module
 */
import type { HttpExchange } from '../core/results.js';

/** Header names whose values are credentials whatever they contain. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'proxy-authorization',
]);

/** Form or JSON field names whose values are secrets (login and app passwords, mnemonics). */
const SECRET_FIELD = /^(password|passwd|pass|secret|mnemonic|app-?password|apppassword)$/i;

/** The token that replaces a secret named `name`. */
export function secretToken(name: string): string {
  return `«secret:${name}»`;
}

/** The spellings of one secret that can appear on the wire or in JSON. */
function spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    JSON.stringify(secret).slice(1, -1),
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ]);
  // Encoded forms shorter than 6 characters would redact ordinary words; the secret itself is
  // always redacted, however short (a short password is still a password).
  return [...forms].filter((f) => f === secret || f.length >= 6);
}

/** Replaces known secrets (and their encodings) in strings. One per run. */
export class Redactor {
  /** Spelling → name, longest first when applied. */
  readonly #forms = new Map<string, string>();
  #ordered: string[] = [];
  readonly #secrets = new Set<string>();

  /** Adds a secret under `name` (e.g. the actor whose password it is). */
  add(secret: string, name: string): void {
    if (secret.length === 0 || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    for (const f of spellings(secret)) if (!this.#forms.has(f)) this.#forms.set(f, name);
    this.#ordered = [...this.#forms.keys()].sort((a, b) => b.length - a.length);
  }

  /** Every planted secret and its spellings, for the writers' last-line check. */
  secrets(): string[] {
    return [...this.#forms.keys()];
  }

  /** `text` with every known secret replaced by its token. */
  text(text: string): string {
    let out = text;
    for (const f of this.#ordered) {
      if (out.includes(f)) out = out.split(f).join(secretToken(this.#forms.get(f)!));
    }
    return out;
  }

  /** True when `bytes` contains a known secret in any spelling. */
  leaksIn(bytes: Uint8Array): string | undefined {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const f of this.#ordered) if (buf.includes(f, 0, 'utf8')) return this.#forms.get(f);
    return undefined;
  }

  /** Every string in a JSON-like value redacted (a deep copy). */
  value<T>(value: T): T {
    return redactDeep(value, (s) => this.text(s)) as T;
  }

  /** Headers with credential headers replaced and the rest passed through {@link text}. */
  headers(headers: Record<string, string>, owner: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      out[k] = CREDENTIAL_HEADERS.has(k.toLowerCase()) ? secretToken(owner) : this.text(v);
    }
    return out;
  }

  /**
   * A body kept as evidence: secret fields of forms and JSON objects replaced, then every known
   * secret; a binary body that holds a secret is dropped whole.
   */
  body(text: string | undefined, contentType: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    return this.text(redactFields(text, contentType ?? ''));
  }

  /** A whole exchange, redacted (used when an exchange was built before a secret was planted). */
  exchange(x: HttpExchange): HttpExchange {
    return this.value(x);
  }
}

function redactDeep(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, f));
  if (value !== null && typeof value === 'object') {
    // fromEntries makes own properties, so a key like `__proto__` stays data.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), redactDeep(v, f)]));
  }
  return value;
}

/** Secret-named fields of a form or JSON body replaced by a token. */
function redactFields(text: string, contentType: string): string {
  if (/application\/x-www-form-urlencoded/i.test(contentType)) {
    const params = new URLSearchParams(text);
    let changed = false;
    for (const k of [...params.keys()]) {
      if (SECRET_FIELD.test(k)) {
        params.set(k, secretToken(k));
        changed = true;
      }
    }
    return changed ? params.toString() : text;
  }
  if (/json/i.test(contentType) || /^\s*[{[]/.test(text)) {
    try {
      const doc = JSON.parse(text) as unknown;
      let changed = false;
      const walk = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(walk);
        if (v !== null && typeof v === 'object') {
          return Object.fromEntries(
            Object.entries(v).map(([k, x]) => {
              if (!SECRET_FIELD.test(k) || typeof x !== 'string') return [k, walk(x)];
              changed = true;
              return [k, secretToken(k)];
            }),
          );
        }
        return v;
      };
      const redacted = walk(doc);
      // Keep the original bytes (key order, whitespace) unless a field had to go.
      return changed ? JSON.stringify(redacted) : text;
    } catch {
      return text;
    }
  }
  return text;
}
