import { describe, expect, it } from 'vitest';
import { extractRequirements, idsIn } from '../registry.js';
import { idsCitedByCode, idsCitedByTest, testTitles } from '../citations.js';
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
});

describe('examples', () => {
  it('extracts ts example blocks with their line', () => {
    const ex = extractExamples(
      chapter('x\n```ts example\nconst a = 1;\n```\n```ts\nnot run\n```\n'),
    );
    expect(ex).toEqual([{ chapter: 'spec/99-test.md', line: 2, code: 'const a = 1;\n' }]);
  });
});
