import { describe, expect, it } from 'vitest';
import { extractRequirements, idsIn } from '../registry.js';
import {
  codeCitations,
  idsCitedByCode,
  idsCitedByTest,
  testCitations,
  testTitles,
} from '../citations.js';
import { extractExamples } from '../examples.js';

const chapter = (text: string) => [{ path: 'spec/99-test.md', text }];

describe('requirement registry', () => {
  it('extracts id, level, subject, text and anchor from a marker paragraph', () => {
    const { requirements, problems } = extractRequirements(
      chapter(
        [
          '# T',
          '',
          '<a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (MUST NOT, client): A client MUST NOT',
          'reuse a nonce.',
          '',
          '<a id="E2EE-KEY-002"></a>**E2EE-KEY-002** (withdrawn; was SHOULD, server): Replaced by E2EE-KEY-001.',
        ].join('\n'),
      ),
    );
    expect(problems).toEqual([]);
    expect(requirements).toMatchObject([
      {
        id: 'E2EE-KEY-001',
        level: 'MUST NOT',
        subject: 'client',
        text: 'A client MUST NOT reuse a nonce.',
        anchor: 'spec/99-test.md#E2EE-KEY-001',
        line: 3,
        withdrawn: false,
      },
      { id: 'E2EE-KEY-002', level: 'SHOULD', subject: 'server', withdrawn: true },
    ]);
  });

  it('reports duplicated IDs', () => {
    const line = '<a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (MUST, client): A client MUST x.';
    const { problems } = extractRequirements(chapter(`${line}\n\n${line}\n`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/duplicate requirement ID E2EE-KEY-001/);
  });

  it.each([
    ['a two-digit number', '**E2EE-KEY-01** (MUST, client): A client MUST x.'],
    ['an unknown area', '<a id="E2EE-FOO-001"></a>**E2EE-FOO-001** (MUST, client): MUST x.'],
    ['an unknown subject', '<a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (MUST, browser): MUST x.'],
    ['an unknown level', '<a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (SHALL, client): SHALL x.'],
    ['anchor and ID differ', '<a id="E2EE-KEY-001"></a>**E2EE-KEY-002** (MUST, client): MUST x.'],
    [
      'text without its keyword',
      '<a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (MUST NOT, client): A client MUST x.',
    ],
  ])('reports a malformed marker: %s', (_name, line) => {
    expect(extractRequirements(chapter(line)).problems.length).toBeGreaterThan(0);
  });

  it('ignores markers inside fenced code blocks but still checks ID syntax', () => {
    const { requirements, problems } = extractRequirements(
      chapter('```text\n<a id="E2EE-KEY-001"></a>**E2EE-KEY-001** (MUST, client): x\n```\n'),
    );
    expect(requirements).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('finds IDs in text', () => {
    expect(idsIn('see E2EE-META-014 and E2EE-KEY-001; not E2EE-KEY-1')).toEqual([
      'E2EE-META-014',
      'E2EE-KEY-001',
    ]);
  });
});

describe('citations', () => {
  it('reads IDs from test titles only, in all call forms', () => {
    const src = [
      '// E2EE-KEY-009 in a comment does not count',
      "describe('E2EE-KEY-001: keys', () => {",
      "  it('E2EE-KEY-002 and E2EE-KEY-003', () => {});",
      "  it.each([1])('E2EE-KEY-004 %s', () => {});",
      '  test.skipIf(false)(`E2EE-KEY-005`, () => {});',
      "  const s = 'E2EE-KEY-006';",
      '});',
    ].join('\n');
    expect(testTitles('x.test.ts', src)).toHaveLength(4);
    expect(idsCitedByTest('x.test.ts', src).sort()).toEqual([
      'E2EE-KEY-001',
      'E2EE-KEY-002',
      'E2EE-KEY-003',
      'E2EE-KEY-004',
      'E2EE-KEY-005',
    ]);
  });

  it('reads IDs anywhere in implementation code', () => {
    expect(
      idsCitedByCode('/** Implements E2EE-KEY-001. */\n// E2EE-KEY-002 (MUST): check\n'),
    ).toEqual(['E2EE-KEY-001', 'E2EE-KEY-002']);
  });

  it('flags evidence under skipIf/runIf as conditional and drops skip/todo', () => {
    const src = [
      "describe.skipIf(!lib)('E2EE-KEY-001: hsm', () => {",
      "  it('E2EE-KEY-002: inner', () => {});",
      '});',
      "it.runIf(x)('E2EE-KEY-003: c', () => {});",
      "it.skip('E2EE-KEY-004: s', () => {});",
      "it.todo('E2EE-KEY-005: t');",
      "it('E2EE-KEY-006: r', () => {});",
    ].join('\n');
    const byId = Object.fromEntries(
      testCitations('x.test.ts', src).citations.map((c) => [c.id, c.evidence]),
    );
    expect(byId).toEqual({
      'E2EE-KEY-001': 'conditional',
      'E2EE-KEY-002': 'conditional',
      'E2EE-KEY-003': 'conditional',
      'E2EE-KEY-004': 'skipped',
      'E2EE-KEY-005': 'skipped',
      'E2EE-KEY-006': 'run',
    });
    expect(idsCitedByTest('x.test.ts', src)).not.toContain('E2EE-KEY-004');
  });

  it("reads an umbrella test's IDs from meta.requirements and refuses a title with more than three", () => {
    const umbrella = [
      "it('model', { meta: { requirements: ['E2EE-KEY-001', 'E2EE-KEY-002'] } }, () => {});",
      "it('E2EE-KEY-003 E2EE-KEY-004 E2EE-KEY-005 E2EE-KEY-006: too many', () => {});",
      "it('dynamic', { meta: { requirements: ids } }, () => {});",
    ].join('\n');
    const { citations, problems } = testCitations('x.test.ts', umbrella);
    expect(citations.filter((c) => c.via === 'meta').map((c) => c.id)).toEqual([
      'E2EE-KEY-001',
      'E2EE-KEY-002',
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/x\.test\.ts:2: a test title cites 4 IDs/);
    expect(problems[1]).toMatch(/x\.test\.ts:3: meta\.requirements must be/);
  });

  it('counts only a line comment opening with the ID as enforcement; the rest are mentions', () => {
    const src = [
      '/** Implements E2EE-KEY-001 (see also E2EE-KEY-002). */',
      'export function f(x: number): void {',
      '  // E2EE-KEY-002, E2EE-KEY-003 (MUST, client): refuse zero, unlike E2EE-KEY-004',
      "  if (x === 0) throw new Error('E2EE-KEY-005');",
      '  g(); // E2EE-KEY-006: the trailing form',
      '}',
    ].join('\n');
    const { citations, problems } = codeCitations(src);
    expect(problems).toEqual([]);
    const enforces = citations.filter((c) => c.kind === 'enforces');
    expect(enforces.map((c) => `${c.id}@${c.line}`)).toEqual([
      'E2EE-KEY-002@3',
      'E2EE-KEY-003@3',
      'E2EE-KEY-006@5',
    ]);
    const mentions = citations.filter((c) => c.kind === 'mentions').map((c) => c.id);
    expect(mentions.sort()).toEqual([
      'E2EE-KEY-001',
      'E2EE-KEY-002',
      'E2EE-KEY-004',
      'E2EE-KEY-005',
    ]);
  });

  it('expands a range to the IDs that exist, as mentions, and refuses one that opens a line comment', () => {
    const known = [
      'E2EE-META-001',
      'E2EE-META-005',
      'E2EE-META-019',
      'E2EE-META-020',
      'E2EE-KEY-005',
    ];
    const header = codeCitations('/** Implements E2EE-META-001..019. */\n', known);
    expect(header.citations.map((c) => `${c.id}:${c.kind}`).sort()).toEqual([
      'E2EE-META-001:mentions',
      'E2EE-META-005:mentions',
      'E2EE-META-019:mentions',
    ]);
    const line = codeCitations('// E2EE-META-001..019: everything\n', known);
    expect(line.problems).toEqual(['line 1: a range is not an enforcement citation; name each ID']);
  });
});

describe('examples', () => {
  it('extracts ts example blocks with their line', () => {
    const ex = extractExamples(
      chapter('x\n```ts example\nconst a = 1;\n```\n```ts\nnot run\n```\n'),
    );
    expect(ex).toEqual([{ chapter: 'spec/99-test.md', line: 2, code: 'const a = 1;\n' }]);
  });
});
