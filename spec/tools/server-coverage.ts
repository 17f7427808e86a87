/**
 * Server coverage for `sealfold spec check` (spec/17-conformance.md, E2EE-CONF-803..805): every MUST /
 * MUST NOT whose subject is `server` is either checked by a conformance-suite check or listed, with
 * the reason, in `conformance/not-live-checkable.json` under `requirements` (it cannot be
 * certified against a live server over HTTP: the mock's management API, its data directory, the
 * token's internals, audit records, durability across crashes, the `sealfold serve` command).
 * A requirement that is observable over HTTP but has no check yet is listed under `notYetChecked`:
 * counted and reported, not a failure, so that the gap is visible rather than hidden. The check
 * fails when a server MUST is neither checked nor listed, when a listed one is cited by a check,
 * and when a listed ID is not a live server MUST.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Requirement } from './registry.js';

/** Where the server MUSTs that the suite cannot check live are listed with their reasons. */
export const NOT_LIVE_CHECKABLE = 'conformance/not-live-checkable.json';

export interface ServerCoverage {
  readonly problems: string[];
  readonly counts: {
    /** Live MUST / MUST NOT requirements whose subject is `server`. */
    serverMusts: number;
    /** ... cited by at least one suite check. */
    checked: number;
    /** ... listed as not checkable against a live server. */
    notLiveCheckable: number;
    /** ... observable over HTTP, listed as having no check yet. */
    notYetChecked: number;
    /** ... neither checked nor listed (each one is a problem). */
    neither: number;
  };
}

interface ListFile {
  requirements?: Record<string, string>;
  notYetChecked?: Record<string, string>;
}

/**
 * Compares the server MUSTs with the suite's citations (`bySuite`: requirement ID → check ids)
 * and the list file at `root`.
 */
export function serverCoverage(
  root: string,
  requirements: readonly Requirement[],
  bySuite: ReadonlyMap<string, readonly string[]>,
): ServerCoverage {
  const problems: string[] = [];
  const path = join(root, NOT_LIVE_CHECKABLE);
  const list: ListFile = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as ListFile)
    : {};
  const notLive = list.requirements ?? {};
  const notYet = list.notYetChecked ?? {};
  const musts = requirements.filter(
    (r) => !r.withdrawn && (r.level === 'MUST' || r.level === 'MUST NOT') && r.subject === 'server',
  );
  const mustIds = new Set(musts.map((r) => r.id));
  let neither = 0;
  for (const r of musts) {
    const checks = bySuite.get(r.id) ?? [];
    const listed = notLive[r.id] !== undefined ? 'requirements' : undefined;
    const pending = notYet[r.id] !== undefined ? 'notYetChecked' : undefined;
    if (checks.length === 0 && !listed && !pending) {
      neither++;
      problems.push(
        `${r.anchor}: server ${r.level} requirement is checked by no suite check and not listed in ${NOT_LIVE_CHECKABLE}`,
      );
    }
    for (const key of [listed, pending]) {
      if (key && checks.length > 0)
        problems.push(
          `${NOT_LIVE_CHECKABLE}: ${r.id} is checked by ${checks.join(', ')}; remove it from ${key}`,
        );
    }
    if (listed && pending)
      problems.push(
        `${NOT_LIVE_CHECKABLE}: ${r.id} is listed both as not checkable and as not yet checked`,
      );
  }
  for (const [key, entries] of [
    ['requirements', notLive],
    ['notYetChecked', notYet],
  ] as const) {
    for (const [id, reason] of Object.entries(entries)) {
      if (!mustIds.has(id))
        problems.push(`${NOT_LIVE_CHECKABLE}: ${key}: ${id} is not a live server MUST`);
      if (typeof reason !== 'string' || reason.trim() === '')
        problems.push(`${NOT_LIVE_CHECKABLE}: ${key}: ${id} gives no reason`);
    }
  }
  return {
    problems,
    counts: {
      serverMusts: musts.length,
      checked: musts.filter((r) => (bySuite.get(r.id) ?? []).length > 0).length,
      notLiveCheckable: musts.filter((r) => notLive[r.id] !== undefined).length,
      notYetChecked: musts.filter((r) => notYet[r.id] !== undefined).length,
      neither,
    },
  };
}
