/**
 * The embedded target (E2EE-CONF-020): Sealfold's mock server started in-process on loopback,
 * fresh in-memory state, management API on, the four actors created through it.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../../server-mock/src/config.js';
import { startServer, type RunningServer } from '../../../server-mock/src/main.js';
import { MANAGEMENT_PREFIX } from '../../../server-mock/src/config.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import type { Actor, ManagementApi, ServerProfile } from '../server/check.js';
import { ACTORS } from '../server/check.js';
import { ConfigError } from '../runner/config-error.js';
import type { PreparedTarget } from '../runner/run.js';
import { DEFAULT_ISOLATION } from './defaults.js';

/** The status profiles the mock imitates; a default run certifies each. */
export const EMBEDDED_STATUS_PROFILES = ['nc30', 'nc32', 'nc33'] as const;
export type EmbeddedStatusProfile = (typeof EMBEDDED_STATUS_PROFILES)[number];

/**
 * What the embedded mock claims: every profile the suite has tests for. (`server-hsm` has none
 * yet, see spec/17-conformance.md E2EE-CONF-006, so it is not claimed even with SoftHSM.)
 */
export const EMBEDDED_CLAIMS: readonly ServerProfile[] = [
  'server-core',
  'server-sharing',
  'server-filedrop',
  'server-recovery-key',
  'server-log',
];

/** The origin of the embedded mock's transparency log (a checkpoint origin line, spec/21 §4). */
export const EMBEDDED_LOG_ORIGIN = 'sealfold.invalid/certify-embedded';

export interface EmbeddedOptions {
  statusProfile: EmbeddedStatusProfile;
  /** Mock fault switches to turn on (server-mock/src/faults.ts); none by default. */
  faults?: readonly string[];
  /** `softhsm` keeps the CA key in SoftHSM2. */
  ca?: 'software' | 'softhsm';
}

/** An embedded target plus the handle that stops its server. */
export interface EmbeddedTarget {
  target: PreparedTarget;
  server: RunningServer;
  close(): Promise<void>;
}

async function managementCall(url: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`management ${method} ${url}: HTTP ${res.status}`);
  return JSON.parse(text) as unknown;
}

/** The management API as checks use it. */
export function managementApi(baseUrl: string): ManagementApi {
  return {
    async stateFingerprint() {
      const doc = (await managementCall(`${baseUrl}${MANAGEMENT_PREFIX}/state`, 'GET')) as {
        fingerprint: string;
      };
      return doc.fingerprint;
    },
  };
}

/** Starts the mock and prepares it as a target. The caller must `close()` it. */
export async function startEmbeddedTarget(opts: EmbeddedOptions): Promise<EmbeddedTarget> {
  let config;
  try {
    config = parseConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir: null,
      profile: opts.statusProfile,
      ca: opts.ca ?? 'software',
      management: true,
      requestLog: false,
      faults: [...(opts.faults ?? [])],
      // The transparency log is on, so that the run certifies `server-log` (spec/21).
      transparencyLog: EMBEDDED_LOG_ORIGIN,
    });
  } catch (e) {
    if (isSealfoldError(e)) throw new ConfigError(`embedded target: ${e.message}`);
    throw e;
  }
  const server = await startServer(config);
  try {
    const accounts = {} as Record<Actor, { userId: string; password: string }>;
    for (const actor of ACTORS) {
      // Fresh random passwords: they are the run's planted secrets for the redaction checks.
      const password = `sf-${actor}-${randomBytes(12).toString('base64url')}`;
      await managementCall(`${server.url}${MANAGEMENT_PREFIX}/users`, 'POST', {
        uid: actor,
        password,
      });
      accounts[actor] = { userId: actor, password };
    }
    const target: PreparedTarget = {
      kind: 'mock',
      baseUrl: server.url,
      accounts,
      claims: {
        profiles: EMBEDDED_CLAIMS,
        statusProfile: opts.statusProfile,
        features: ['management', 'brute-force-limit', 'server-key-rate-limit', 'sealfold-mock'],
      },
      isolation: DEFAULT_ISOLATION,
      // Loopback and in-process: no rate limit, one test at a time (the actors are shared).
      limits: { maxRps: Infinity, parallelism: 1, testTimeoutMs: 60_000 },
      // The property-based checks stop at the wall-clock budget, which bounds the main job's time.
      budget: { numRuns: 10, maxCommands: 15, wallClockMs: 20_000 },
      management: managementApi(server.url),
      faults: config.faults,
    };
    return { target, server, close: () => server.close() };
  } catch (e) {
    await server.close();
    throw e;
  }
}
