/**
 * A minimal HTML template: `markup` is a tagged template whose interpolations are escaped with
 * escape-html unless they are themselves `markup` fragments, so markup can only come from the
 * template literals in this code, never from report data (E2EE-CONF-222). There is no other way
 * to put text into a page than through this tag. (It is not named `html` because prettier would
 * then reformat the templates as HTML.)
 *
 * @module
 */
import escapeHtml from 'escape-html';

/** A fragment of trusted markup (produced only by the `markup` tag). */
export class SafeHtml {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  toString(): string {
    return this.html;
  }
}

/** What a template accepts: text (escaped), fragments, lists of either, or nothing. */
export type Interpolation =
  SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Builds a fragment: literal parts as written, every interpolation escaped (see module doc). */
export function markup(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}
