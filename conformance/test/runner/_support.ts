/**
 * Synthetic checks and helpers for the runner's own tests: the runner is tested on checks whose
 * outcome is known, against the real embedded mock over loopback.
 */
import type { Level } from '../../src/core/results.js';
import type { CheckContext, ServerCheck, ServerProfile } from '../../src/server/check.js';

/** A requirement ID that exists in the spec (chapter 10), for synthetic checks. */
export const SOME_REQUIREMENT = 'E2EE-API-010';

export function synthetic(
  id: string,
  run: (ctx: CheckContext) => Promise<void>,
  opts: {
    level?: Level;
    profiles?: ServerProfile[];
    needs?: string[];
    statusProfiles?: string[];
  } = {},
): ServerCheck {
  return {
    id,
    title: `synthetic ${id}`,
    requirements: [SOME_REQUIREMENT],
    level: opts.level ?? 'MUST',
    importance: 'high',
    profiles: opts.profiles ?? ['server-core'],
    ...(opts.needs ? { needs: opts.needs } : {}),
    ...(opts.statusProfiles ? { statusProfiles: opts.statusProfiles } : {}),
    run,
  };
}

export const pass = (id: string, opts?: Parameters<typeof synthetic>[2]) =>
  synthetic(id, async () => undefined, opts);
