/**
 * The last line of defence against leaking secrets into artefacts (E2EE-CONF-230). Redaction
 * happens when evidence is recorded; every writer additionally refuses to emit an artefact
 * in which a secret planted by the run still occurs, whether in the report's strings or in the
 * rendered text.
 *
 * @module
 */

/** Every string in a JSON value (keys included). */
function* stringsIn(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* stringsIn(v);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield k;
      yield* stringsIn(v);
    }
  }
}

/**
 * Throws when a secret occurs in `source` (any string in it) or in `rendered`. The error names
 * the artefact, never the secret.
 */
export function assertNoSecrets(
  artefact: string,
  source: unknown,
  rendered: string,
  secrets: readonly string[],
): void {
  const live = secrets.filter((s) => s.length > 0);
  if (live.length === 0) return;
  const leaks = (text: string) => live.some((s) => text.includes(s));
  for (const s of stringsIn(source)) {
    if (leaks(s)) throw new Error(`harness bug: a planted secret reached ${artefact}`);
  }
  if (leaks(rendered)) throw new Error(`harness bug: a planted secret reached ${artefact}`);
}
