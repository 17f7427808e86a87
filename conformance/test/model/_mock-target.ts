/**
 * A real mock server on loopback with the four test accounts, and a minimal CheckContext over
 * fetch for the model run's tests: the same requests a certification run sends, without the
 * runner's reports, rate limits and redaction (those are the runner's own tests).
 */
import { startServer, type RunningServer } from '../../../server-mock/src/main.js';
import { parseConfig } from '../../../server-mock/src/config.js';
import type { FaultName } from '../../../server-mock/src/faults.js';
import { USER_AGENT } from '../../../reference/src/http/index.js';
import {
  ACTORS,
  type Actor,
  type CheckContext,
  type Reply,
  type ServerProfile,
} from '../../src/server/check.js';
import type { Replay } from '../../src/core/results.js';

const PASSWORD = 'model-run-test-password';

export interface MockTarget {
  url: string;
  close(): Promise<void>;
  /** A context as the runner would hand it to a check. */
  context(opts: ContextOptions): CheckContext & { notes: string[]; requests: () => number };
}

export interface ContextOptions {
  profile: string;
  claims: readonly ServerProfile[];
  seed: number;
  budget: CheckContext['budget'];
  replay?: Replay;
  /** A distinct run folder per context. */
  folder: string;
}

/** Starts the mock with `faults` on and creates alice, bob, carol and mallory. */
export async function startMockTarget(
  profile: 'nc30' | 'nc32',
  faults: readonly FaultName[] = [],
): Promise<MockTarget> {
  const server: RunningServer = await startServer(
    parseConfig({ profile, management: true, requestLog: false, faults: [...faults] }),
  );
  for (const uid of ACTORS) {
    const res = await fetch(`${server.url}/__sealfold/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uid, password: PASSWORD }),
    });
    if (res.status !== 201) throw new Error(`cannot create ${uid}: ${res.status}`);
  }
  return {
    url: server.url,
    close: () => server.close(),
    context: (opts) => makeContext(server.url, opts),
  };
}

function makeContext(
  url: string,
  opts: ContextOptions,
): CheckContext & { notes: string[]; requests: () => number } {
  const notes: string[] = [];
  let count = 0;
  const made = new Set<Actor>();
  const request = async (
    actor: Actor | null,
    method: string,
    path: string,
    o: Parameters<CheckContext['request']>[3] = {},
  ): Promise<Reply> => {
    count++;
    const headers: Record<string, string> = o.bare
      ? {}
      : { 'ocs-apirequest': 'true', 'user-agent': USER_AGENT, 'x-e2ee-supported': 'true' };
    if (actor !== null && !o.anonymous)
      headers.authorization = `Basic ${Buffer.from(`${actor}:${o.password ?? PASSWORD}`).toString('base64')}`;
    for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;
    const res = await fetch(url + path, {
      method,
      headers,
      ...(o.body !== undefined ? { body: o.body as BodyInit } : {}),
      redirect: 'manual',
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const h: Record<string, string> = {};
    res.headers.forEach((v, k) => (h[k.toLowerCase()] = v));
    return {
      status: res.status,
      headers: h,
      body,
      text: () => new TextDecoder().decode(body),
      json: () => JSON.parse(new TextDecoder().decode(body)) as unknown,
    };
  };
  const ensureFolder = async (actor: Actor) => {
    const segs = opts.folder.split('/');
    for (let i = 1; i <= segs.length; i++) {
      const r = await request(
        actor,
        'MKCOL',
        `/remote.php/dav/files/${actor}/${segs.slice(0, i).join('/')}`,
      );
      if (r.status !== 201 && r.status !== 405) throw new Error(`run folder: ${r.status}`);
    }
  };
  let pending: Promise<void> = Promise.resolve();
  return {
    notes,
    requests: () => count,
    statusProfile: opts.profile,
    claims: opts.claims,
    features: ['management'],
    seed: opts.seed,
    budget: opts.budget,
    signal: new AbortController().signal,
    ...(opts.replay ? { replay: opts.replay } : {}),
    userId: (a) => a,
    runFolder(actor) {
      if (!made.has(actor)) {
        made.add(actor);
        pending = pending.then(() => ensureFolder(actor));
      }
      return opts.folder;
    },
    async request(actor, method, path, o) {
      await pending;
      return request(actor, method, path, o);
    },
    plantSecret: () => undefined,
    note: (line) => void notes.push(line),
  };
}
