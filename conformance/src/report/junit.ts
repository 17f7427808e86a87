/**
 * JUnit XML export of a report (`--junit FILE`), for the CI systems that read it (GitHub
 * Actions, GitLab, Jenkins). Mapping (spec chapter 17, E2EE-CONF-210..213):
 * - one `<testsuite>` per test group (in order of first appearance), one `<testcase>` per
 *   result with `classname` = group, `name` = testId, `time` in seconds;
 * - FAIL and UNSUPPORTED → `<failure type="FAIL|UNSUPPORTED" message>` (UNSUPPORTED counts as
 *   a failure because the test is in a claimed profile); TIMEOUT and ERROR → `<error type
 *   message>` (the harness or the network, not the subject, ended the test: exit code 2);
 *   SKIP → `<skipped message>`; WARN → a passing testcase whose `<system-out>` starts with
 *   `WARN:`; PASS → a passing testcase;
 * - a last `<testsuite name="verdicts">`: one testcase per claimed profile, failed when the
 *   profile is NOT CERTIFIABLE, the failure listing the blocking tests.
 * The XML is built with fast-xml-parser's XMLBuilder, which escapes markup; characters that XML
 * 1.0 cannot carry at all are replaced first (see {@link xmlText}).
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { XMLBuilder } from 'fast-xml-parser';
import type { Report, TestResult } from './types.js';
import { assertNoSecrets } from './secrets.js';

/**
 * Characters XML 1.0 forbids even as references (C0 controls other than TAB, LF, CR; lone
 * surrogates; U+FFFE/U+FFFF). A hostile server's body may contain them.
 */
const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with every character XML cannot carry written as `\u{XXXX}` (visible, not lost). */
export function xmlText(text: string): string {
  return text.replace(
    XML_FORBIDDEN,
    (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}}`,
  );
}

type XmlNode = Record<string, unknown>;

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/** Shows a JSON value in one line for a failure body. */
function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The body of a failure or error: what a CI reader needs to see without opening the report. */
function details(r: TestResult): string {
  const lines: string[] = [];
  if (r.message !== undefined) lines.push(r.message);
  if (r.reason !== undefined) lines.push(`reason: ${r.reason}`);
  if (r.expected !== undefined) lines.push(`expected: ${show(r.expected)}`);
  if (r.actual !== undefined) lines.push(`actual: ${show(r.actual)}`);
  for (const n of r.evidence.notes) lines.push(`note: ${n}`);
  for (const x of r.evidence.http) {
    lines.push(`http: ${x.actor} ${x.method} ${x.path} → ${x.status ?? x.error ?? 'no reply'}`);
  }
  if (r.replay) lines.push(`replay: ${JSON.stringify(r.replay)}`);
  return xmlText(lines.join('\n'));
}

/** The requirement line every testcase carries in `<system-out>`. */
function about(r: TestResult): string {
  return `requirements: ${r.requirements.join(' ')}; level: ${r.level}; importance: ${r.importance}; profiles: ${r.profiles.join(' ')}`;
}

function testcase(r: TestResult): XmlNode {
  const node: XmlNode = {
    '@_classname': xmlText(r.group),
    '@_name': xmlText(r.testId),
    '@_time': seconds(r.durationMs),
  };
  const oneLine = xmlText(r.message ?? r.reason ?? r.status);
  const out = [about(r)];
  switch (r.status) {
    case 'FAIL':
    case 'UNSUPPORTED':
      // E2EE-CONF-211: failures the subject is answerable for.
      node.failure = { '@_type': r.status, '@_message': oneLine, '#text': details(r) };
      break;
    case 'TIMEOUT':
    case 'ERROR':
      // E2EE-CONF-211: the harness or the network ended the test; not a conformance verdict.
      node.error = { '@_type': r.status, '@_message': oneLine, '#text': details(r) };
      break;
    case 'SKIP':
      // E2EE-CONF-806 (MUST, suite): a skipped testcase with its reason.
      node.skipped = { '@_message': xmlText(r.reason ?? 'skipped') };
      break;
    case 'WARN':
      // E2EE-CONF-807 (MUST, suite): a SHOULD not met passes, but CI logs show it.
      out.unshift(`WARN: ${r.message ?? 'SHOULD not met'}`, details(r));
      break;
    case 'PASS':
      break;
  }
  node['system-out'] = xmlText(out.join('\n'));
  return node;
}

function suite(name: string, cases: readonly TestResult[], report: Report): XmlNode {
  const count = (...s: string[]) => cases.filter((r) => s.includes(r.status)).length;
  return {
    '@_name': xmlText(name),
    '@_tests': cases.length,
    '@_failures': count('FAIL', 'UNSUPPORTED'),
    '@_errors': count('TIMEOUT', 'ERROR'),
    '@_skipped': count('SKIP'),
    '@_time': seconds(cases.reduce((t, r) => t + r.durationMs, 0)),
    '@_timestamp': report.run.startedAt,
    testcase: cases.map(testcase),
  };
}

function verdictSuite(report: Report): XmlNode {
  const failing = report.verdicts.filter((v) => v.status !== 'CERTIFIABLE');
  return {
    '@_name': 'verdicts',
    '@_tests': report.verdicts.length,
    '@_failures': failing.length,
    '@_errors': 0,
    '@_skipped': 0,
    '@_time': '0.000',
    '@_timestamp': report.run.startedAt,
    properties: {
      property: [
        { '@_name': 'run.id', '@_value': xmlText(report.run.id) },
        { '@_name': 'run.mode', '@_value': report.run.mode },
        { '@_name': 'run.seed', '@_value': String(report.run.seed) },
        { '@_name': 'run.strict', '@_value': String(report.run.strict) },
        { '@_name': 'suite.version', '@_value': xmlText(report.run.suite.version) },
        { '@_name': 'server.kind', '@_value': report.subjects.server.kind },
        {
          '@_name': 'server.statusProfile',
          '@_value': xmlText(report.subjects.server.statusProfile),
        },
        ...(report.subjects.server.faults?.length
          ? [
              {
                '@_name': 'server.faults',
                '@_value': xmlText(report.subjects.server.faults.join(' ')),
              },
            ]
          : []),
      ],
    },
    testcase: report.verdicts.map((v) => ({
      '@_classname': 'verdict',
      '@_name': xmlText(v.profile),
      '@_time': '0.000',
      // E2EE-CONF-213: a profile that is not certifiable fails in CI, naming what blocks it.
      ...(v.status === 'CERTIFIABLE'
        ? {}
        : {
            failure: {
              '@_type': 'NOT CERTIFIABLE',
              '@_message': xmlText(`${v.profile}: NOT CERTIFIABLE`),
              '#text': xmlText(`blocking: ${v.blocking.join(' ')}`),
            },
          }),
    })),
  };
}

/**
 * The report as JUnit XML.
 * @param secrets planted secrets that must not occur (throws a harness-bug Error if one does)
 */
export function renderJunit(report: Report, secrets: readonly string[] = []): string {
  const groups = new Map<string, TestResult[]>();
  for (const r of report.results) {
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group)!.push(r);
  }
  const suites = [...groups].map(([g, cases]) => suite(g, cases, report));
  suites.push(verdictSuite(report));
  const sum = (k: string) => suites.reduce((t, s) => t + (s[k] as number), 0);
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
  });
  const xml = builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'sealfold certify server',
      '@_tests': sum('@_tests'),
      '@_failures': sum('@_failures'),
      '@_errors': sum('@_errors'),
      '@_skipped': sum('@_skipped'),
      '@_time': seconds(
        Math.max(0, Date.parse(report.run.finishedAt) - Date.parse(report.run.startedAt)),
      ),
      testsuite: suites,
    },
  }) as string;
  assertNoSecrets('the JUnit report', report, xml, secrets);
  return xml;
}

/** Writes the JUnit XML of `report` to `file`. */
export function writeJunit(file: string, report: Report, secrets?: readonly string[]): void {
  writeFileSync(file, renderJunit(report, secrets));
}
