/**
 * The fenced code blocks of a Markdown file, with the marker that exempts a block from being
 * run: an HTML comment `<!-- readme-test: not-run: REASON -->` on the line before its fence.
 * The README test runs every other block (scripts/test/readme.test.ts).
 *
 * @module
 */

export interface CodeBlock {
  /** The info string's first word: `sh`, `ts`, `js`, `json`, `yaml`, … */
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why the block is not run, when it is marked. */
  notRun?: string;
}

const MARKER = /^<!-- readme-test: not-run: (.+?) -->$/;

export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const out: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const marker = start > 0 ? MARKER.exec(lines[start - 1]!) : null;
    out.push({
      lang: open[1]!,
      line: start + 1,
      code: body.join('\n') + '\n',
      ...(marker ? { notRun: marker[1]! } : {}),
    });
  }
  return out;
}

/** Every marker line of the file, also those not directly above a fence (a test refuses them). */
export function markerLines(markdown: string): number[] {
  return markdown.split('\n').flatMap((l, i) => (l.startsWith('<!-- readme-test:') ? [i + 1] : []));
}

/**
 * Splits a README command line into words the way a POSIX shell does for the quoting the README
 * uses: whitespace outside quotes separates words, and '…' or "…" keeps its content in one word
 * (`--driver "node my-driver.mjs"` is two words). No expansion, no escapes inside quotes.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g)) {
    words.push(m[0].replace(/'([^']*)'|"([^"]*)"/g, (_q, a?: string, b?: string) => a ?? b ?? ''));
  }
  return words;
}

/**
 * The `sealfold` command lines of a block, continuation lines joined, as argument lists after
 * `sealfold` (split into words as a shell would, see {@link shellWords}).
 */
export function sealfoldCommands(code: string): string[][] {
  const joined = code.replace(/\\\n\s*/g, ' ');
  const out: string[][] = [];
  for (const line of joined.split('\n')) {
    const command = line.replace(/\s+#.*$/, '').replace(/^\s*(?:- )?(?:run: )?/, '');
    const m = /(?:^|\s)(?:npx )?sealfold (.+)$/.exec(command);
    if (m) out.push(shellWords(m[1]!.trim()));
  }
  return out;
}
