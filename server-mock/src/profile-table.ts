/**
 * The profile table of spec/10-server-api.md §2.1, generated from the data the server itself
 * consults: {@link PROFILE_INFO} (what each profile imitates, and its non-status differences) and
 * the transaction API's {@link FAILURES} (every situation whose status differs between profiles).
 * `test/profile-table.test.ts` fails when the spec's copy differs from {@link profileTableMarkdown}
 * (E2EE-CONF-520), so the spec and the server cannot drift apart.
 *
 * @module
 */
import { PROFILES, type Profile } from './config.js';
import { PROFILE_INFO, type ProfileInfo } from './profiles.js';
import { FAILURES, profileIndex, type FailureKind } from './e2ee/profiles.js';

/** The comment lines that enclose the generated table in the spec. */
export const TABLE_BEGIN = '<!-- generated from server-mock/src/profile-table.ts: do not edit -->';
export const TABLE_END = '<!-- end of generated profile table -->';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

/** Rows of facts that are not statuses, each read from {@link ProfileInfo}. */
const FACTS: readonly [string, (i: ProfileInfo) => string][] = [
  ['Imitates', (i) => i.imitates],
  ['App releases', (i) => i.appVersions],
  ['Reported server version', (i) => i.serverVersion.join('.')],
  ['Capability `api-version`', (i) => `\`"${i.apiVersion}"\``],
  ['Private-key format check (E2EE-API-041)', (i) => yesNo(i.validatesPrivateKey)],
  [
    '`X-E2EE-Supported: true` passes the gate (E2EE-API-221)',
    (i) => yesNo(i.acceptsSupportedHeader),
  ],
  [
    'Password confirmation on key deletion and reset (E2EE-API-060, E2EE-API-420)',
    (i) => yesNo(i.strictPasswordConfirmation),
  ],
  ['Anonymous `GET public-key` (E2EE-API-432)', (i) => yesNo(i.anonymousPublicKeys)],
  ['v1 filedrop route (E2EE-API-433)', (i) => yesNo(i.v1Filedrop)],
];

/** A status cell: the number, or "not refused" where the profile's release has no such check. */
function statusCell(kind: FailureKind, p: Profile): string {
  const s = FAILURES[kind].status[profileIndex(p)];
  return s === null ? 'not refused' : String(s);
}

/** The failure situations whose status is not the same in every profile, in table order. */
export function differingFailures(): FailureKind[] {
  return (Object.keys(FAILURES) as FailureKind[]).filter(
    (k) => new Set(PROFILES.map((p) => FAILURES[k].status[profileIndex(p)])).size > 1,
  );
}

/** The generated table, enclosed in {@link TABLE_BEGIN} and {@link TABLE_END}. */
export function profileTableMarkdown(): string {
  const head = `| | ${PROFILES.map((p) => `\`${p}\``).join(' | ')} |`;
  const rule = `|---|${PROFILES.map(() => '---').join('|')}|`;
  const facts = FACTS.map(
    ([name, get]) => `| ${name} | ${PROFILES.map((p) => get(PROFILE_INFO[p])).join(' | ')} |`,
  );
  const statuses = differingFailures().map(
    (k) =>
      `| \`${k}\` (\`${FAILURES[k].code}\`) | ${PROFILES.map((p) => statusCell(k, p)).join(' | ')} |`,
  );
  return [TABLE_BEGIN, head, rule, ...facts, ...statuses, TABLE_END].join('\n');
}

/**
 * `text` with its generated table replaced by the current one.
 * @throws Error when the markers are missing or out of order (the spec was edited by hand).
 */
export function replaceProfileTable(text: string): string {
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error('the profile table markers are missing');
  return text.slice(0, begin) + profileTableMarkdown() + text.slice(end + TABLE_END.length);
}
