/**
 * A fresh {@link CheckContext} per test (E2EE-CONF-005): its own evidence, its own run sub-folder
 * per actor, its own seed, its own abort signal; every request goes through the run's rate limit
 * and is recorded redacted.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { HttpExchange, Replay } from '../core/results.js';
import type {
  Actor,
  CheckContext,
  ManagementApi,
  Reply,
  RequestOptions,
  ServerProfile,
} from '../server/check.js';
import { send, type Account } from './http.js';
import type { RateLimiter } from './pace.js';
import type { Redactor } from './redact.js';
import { ensureFolder } from './folders.js';

/** Evidence kept per test: the first and the last exchanges, so fuzzed tests stay readable. */
const KEEP_FIRST = 20;
const KEEP_LAST = 40;

/** What every test of a run shares. */
export interface RunShared {
  baseUrl: string;
  accounts: Readonly<Record<Actor, Account>>;
  claims: readonly ServerProfile[];
  statusProfile: string;
  features: readonly string[];
  budget: CheckContext['budget'];
  /** The run folder below each actor's root, no leading slash (e.g. `sealfold-conformance/r1`). */
  runFolder: string;
  seed: number;
  limiter: RateLimiter;
  redactor: Redactor;
  management?: ManagementApi;
}

/** A test's seed: from the run seed and the test id, stable across runs and test orders. */
export function testSeed(runSeed: number, testId: string): number {
  const h = createHash('sha256').update(`${runSeed}:${testId}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}

/** The folder name of a test inside the run folder (`keys/x-y` → `keys--x-y`). */
export function testFolderName(testId: string): string {
  return testId.replace('/', '--');
}

/** A context plus what the runner reads back after the test. */
export interface TestContext {
  ctx: CheckContext;
  evidence(): { notes: string[]; http: HttpExchange[] };
}

export function createTestContext(
  shared: RunShared,
  testId: string,
  signal: AbortSignal,
  replay?: Replay,
): TestContext {
  const notes: string[] = [];
  const first: HttpExchange[] = [];
  const last: HttpExchange[] = [];
  let dropped = 0;
  const record = (x: HttpExchange) => {
    if (first.length < KEEP_FIRST) first.push(x);
    else {
      last.push(x);
      if (last.length > KEEP_LAST) {
        last.shift();
        dropped++;
      }
    }
  };
  const folder = `${shared.runFolder}/${testFolderName(testId)}`;
  const created = new Map<Actor, Promise<void>>();
  let planted = 0;

  const accountOf = (actor: Actor, password?: string) => {
    const a = shared.accounts[actor];
    return { name: actor, userId: a.userId, password: password ?? a.password };
  };

  const ctx: CheckContext = {
    statusProfile: shared.statusProfile,
    claims: shared.claims,
    features: shared.features,
    seed: testSeed(shared.seed, testId),
    budget: shared.budget,
    signal,
    ...(replay ? { replay } : {}),
    ...(shared.management ? { management: shared.management } : {}),
    userId: (actor) => shared.accounts[actor].userId,
    absoluteUrl: (path) => shared.baseUrl + path,
    runFolder(actor) {
      // Created before the next request of this test is sent (lazily: most tests use one or two
      // actors, and every MKCOL counts against a live server's rate limit).
      if (!created.has(actor)) {
        // The run folder exists since pre-flight: one MKCOL for the test's own folder.
        const p = ensureFolder(shared.baseUrl, accountOf(actor), folder, {
          signal,
          known: shared.runFolder.split('/').length,
          pace: () => shared.limiter.acquire(signal),
        });
        p.catch(() => undefined);
        created.set(actor, p);
      }
      return folder;
    },
    async request(actor, method, path, opts: RequestOptions = {}): Promise<Reply> {
      signal.throwIfAborted();
      await Promise.all(created.values());
      await shared.limiter.acquire(signal);
      const account = actor === null || opts.anonymous ? null : accountOf(actor, opts.password);
      if (opts.password !== undefined) shared.redactor.add(opts.password, `${actor}-attempt`);
      return send(
        {
          baseUrl: shared.baseUrl,
          method,
          path,
          account,
          ...(opts.headers ? { headers: opts.headers } : {}),
          ...(opts.body !== undefined ? { body: opts.body } : {}),
          bare: opts.bare ?? false,
          signal,
        },
        shared.redactor,
        record,
      );
    },
    plantSecret(secret) {
      planted++;
      shared.redactor.add(secret, `planted-${testFolderName(testId)}-${planted}`);
    },
    note(line) {
      notes.push(line);
    },
  };

  return {
    ctx,
    evidence: () => {
      const http = [...first, ...last];
      const n = dropped > 0 ? [...notes, `${dropped} exchanges in the middle not kept`] : notes;
      // Secrets planted after an exchange was recorded are redacted here.
      return shared.redactor.value({ notes: n, http });
    },
  };
}
