/**
 * Which checks a run may contain (E2EE-CONF-800..802) and which of them are in scope for a target's
 * claims (E2EE-CONF-001).
 *
 * @module
 */
import type { ServerCheck, ServerProfile } from '../server/check.js';

/** Test ids: `<group>/<slug>`, lower-case letters, digits and `-`. */
const TEST_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The group of a test id: the part before the slash. */
export function groupOf(testId: string): string {
  return testId.slice(0, testId.indexOf('/'));
}

/**
 * Problems with a check list: malformed or duplicated ids, no requirement cited, a requirement
 * that the spec does not define (or withdrew). Empty when the list is usable.
 */
export function checkListProblems(
  checks: readonly ServerCheck[],
  knownRequirements: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of checks) {
    // E2EE-CONF-800, E2EE-CONF-801, E2EE-CONF-802 (MUST, suite): ids are unique, well-formed and
    // cite known requirements, or the run does not start.
    if (!TEST_ID.test(c.id)) problems.push(`test id ${JSON.stringify(c.id)} is not <group>/<slug>`);
    if (seen.has(c.id)) problems.push(`test id ${c.id} is used twice`);
    seen.add(c.id);
    if (c.requirements.length === 0) problems.push(`${c.id} cites no requirement`);
    for (const r of c.requirements) {
      if (!knownRequirements.has(r)) problems.push(`${c.id} cites unknown requirement ${r}`);
    }
    if (c.profiles.length === 0) problems.push(`${c.id} belongs to no profile`);
  }
  return problems;
}

/** What the target offers, as far as scoping is concerned. */
export interface Claims {
  profiles: readonly ServerProfile[];
  statusProfile: string;
  features: readonly string[];
}

/** Why a check is out of scope, or null when it runs. */
export function outOfScope(check: ServerCheck, claims: Claims): string | null {
  // E2EE-CONF-001 (MUST, suite): not claimed, other status profile or missing feature → SKIP with reason.
  if (!check.profiles.some((p) => claims.profiles.includes(p))) {
    return `not claimed: needs one of the profiles ${check.profiles.join(', ')}`;
  }
  if (check.statusProfiles && !check.statusProfiles.includes(claims.statusProfile)) {
    return `status profile ${claims.statusProfile} not covered: applies to ${check.statusProfiles.join(', ')}`;
  }
  const missing = (check.needs ?? []).filter((f) => !claims.features.includes(f));
  if (missing.length > 0) return `feature not declared by the target: ${missing.join(', ')}`;
  return null;
}
