/**
 * Extracts the executable examples from the spec: fenced code blocks whose info string is
 * `ts example`. The test suite runs each one against the reference implementation.
 *
 * @module
 */
import type { SpecFile } from './registry.js';

export interface SpecExample {
  chapter: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

export function extractExamples(files: SpecFile[]): SpecExample[] {
  const out: SpecExample[] = [];
  for (const file of files) {
    const lines = file.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^```ts example\s*$/.test(lines[i]!)) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
      out.push({ chapter: file.path, line: start + 1, code: body.join('\n') + '\n' });
    }
  }
  return out;
}
