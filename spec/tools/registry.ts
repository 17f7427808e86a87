/**
 * Extracts the requirement registry from the spec's Markdown chapters.
 *
 * A requirement is a paragraph that starts with the marker
 *
 *     <a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (MUST, client): The client MUST ...
 *
 * The `<a id>` makes the requirement linkable where Markdown is rendered; the bold ID and the
 * parenthesis read well; the whole line is machine-extractable. A withdrawn requirement keeps its
 * marker as `(withdrawn; was MUST, client)` and is never reused.
 *
 * @module
 */

export const AREAS = [
  'KEY',
  'CERT',
  'REC',
  'META',
  'FILE',
  'SHARE',
  'LOCK',
  'API',
  'SEC',
  // The transparency log (spec/21-transparency-log.md).
  'LOG',
  // The conformance suite's own contract (spec/17-conformance.md).
  'CONF',
  // The driver protocol of client certification (spec/18-driver-protocol.md).
  'DRV',
  // The offline administrator recovery key extension (spec/20-recovery-key.md).
  'RKEY',
] as const;
export const LEVELS = ['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY'] as const;
/** `suite`: the conformance suite itself (spec/17-conformance.md), neither client nor server. */
export const SUBJECTS = ['client', 'server', 'both', 'suite'] as const;

export type Level = (typeof LEVELS)[number];
export type Subject = (typeof SUBJECTS)[number];

export interface Requirement {
  id: string;
  level: Level;
  subject: Subject;
  /** The normative paragraph, without its marker, whitespace folded. */
  text: string;
  /** Chapter file, relative to the repository root. */
  chapter: string;
  /** Link target: chapter file plus `#ID`. */
  anchor: string;
  line: number;
  withdrawn: boolean;
}

export interface SpecFile {
  path: string;
  text: string;
}

const ID = /E2EE-[A-Z]+-\d{3}/;
const MARKER = new RegExp(
  String.raw`^<a id="(${ID.source})"></a>\*\*(${ID.source})\*\* ` +
    String.raw`\((withdrawn; was )?(MUST NOT|MUST|SHOULD NOT|SHOULD|MAY), (${SUBJECTS.join('|')})\):\s*(.*)$`,
);
/** Anything that looks like an attempt at an ID, well-formed or not. */
const ID_LIKE = /\bE2EE-[A-Za-z]+-\d+\b/g;

/** Does `text` contain the level's keyword as a BCP 14 word (MUST but not MUST NOT, etc.)? */
function hasKeyword(text: string, level: Level): boolean {
  const neg = level === 'MUST' || level === 'SHOULD' ? `(?! NOT)` : '';
  return new RegExp(`\\b${level}\\b${neg}`).test(text);
}

/**
 * Parses every chapter and returns the requirements in document order, plus a list of problems
 * (malformed or duplicated IDs, a marker whose text lacks its keyword).
 */
export function extractRequirements(files: SpecFile[]): {
  requirements: Requirement[];
  problems: string[];
} {
  const requirements: Requirement[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const lines = file.text.split('\n');
    let inFence = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (/^\s*```/.test(line)) inFence = !inFence;
      const where = `${file.path}:${i + 1}`;
      for (const m of line.matchAll(ID_LIKE)) {
        if (
          !new RegExp(`^${ID.source}$`).test(m[0]) ||
          !AREAS.some((a) => m[0].startsWith(`E2EE-${a}-`))
        ) {
          problems.push(
            `${where}: malformed requirement ID '${m[0]}' (expected E2EE-<AREA>-<NNN>, AREA one of ${AREAS.join(', ')})`,
          );
        }
      }
      if (inFence || !/^<a id="E2EE-|^\*\*E2EE-/.test(line)) continue;
      const m = MARKER.exec(line);
      if (!m) {
        problems.push(
          `${where}: malformed requirement marker (expected <a id="ID"></a>**ID** (LEVEL, subject): text)`,
        );
        continue;
      }
      const [, anchorId, id, withdrawn, level, subject, first] = m as unknown as string[];
      if (anchorId !== id) {
        problems.push(`${where}: anchor ${anchorId} and ID ${id} differ`);
        continue;
      }
      const body = [first!];
      for (
        let j = i + 1;
        j < lines.length && lines[j]!.trim() !== '' && !/^<a id="E2EE-/.test(lines[j]!);
        j++
      ) {
        body.push(lines[j]!);
      }
      const text = body.join(' ').replace(/\s+/g, ' ').trim();
      const prior = seen.get(id!);
      if (prior) {
        problems.push(`${where}: duplicate requirement ID ${id} (first at ${prior})`);
        continue;
      }
      seen.set(id!, where);
      if (!withdrawn && !hasKeyword(text, level as Level)) {
        problems.push(`${where}: ${id} is marked ${level} but its text does not say ${level}`);
      }
      requirements.push({
        id: id!,
        level: level as Level,
        subject: subject as Subject,
        text,
        chapter: file.path,
        anchor: `${file.path}#${id}`,
        line: i + 1,
        withdrawn: Boolean(withdrawn),
      });
    }
  }
  return { requirements, problems };
}

/** All IDs mentioned anywhere in `text` (well-formed ones only). */
export function idsIn(text: string): string[] {
  return [...text.matchAll(new RegExp(ID.source, 'g'))].map((m) => m[0]);
}
