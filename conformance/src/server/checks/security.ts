/**
 * Security of the server itself (spec/10-server-api.md §3, §7, §10, §11; attacks SRV-6, SRV-11):
 * a fuzzed battery of malformed requests that must all be refused with a 4xx and change nothing,
 * no planted secret in any response, error or log, and brute-force limits where claimed.
 *
 * The malformed requests are sent as mallory, who holds no keys, or anonymously, and never with a
 * wrong password for a real account (that would count against the brute-force limit).
 *
 * @module
 */
import fc from 'fast-check';
import type { Replay } from '../../core/results.js';
import {
  CheckFailure,
  CheckSkipped,
  type Actor,
  type CheckContext,
  type Reply,
  type RequestOptions,
  type ServerCheck,
} from '../check.js';
import {
  committedFolder,
  davPath,
  e2eePath,
  expectStatus,
  fakeSignature,
  form,
  inRunFolder,
  lock,
  makeFolder,
  seen,
  sharesPath,
  unlock,
  writeMetadata,
} from './_support.js';

/** One malformed request. */
interface Probe {
  label: string;
  actor: Actor | null;
  method: string;
  path: string;
  opts: RequestOptions;
}

const printable = (max: number) => fc.stringMatching(new RegExp(`^[ -~]{0,${max}}$`));

/** A counter header value that is not a decimal integer ≥ 1 (E2EE-LOCK-010). */
const badCounter = fc.oneof(
  fc.constantFrom('', '0', '00', '-1', 'abc', '1.5', '0x10', '1e3', '9999999999999999'),
  printable(12).filter((s) => !(/^\s*[0-9]{1,15}\s*$/.test(s) && Number(s.trim()) >= 1)),
);

/** A folder-id path segment that names no folder (E2EE-API-120 answers 404 for it). */
const badId = fc.constantFrom(
  '0',
  '-1',
  'abc',
  '1.0',
  '1e3',
  '99999999999999999999',
  '%2e%2e',
  'x%00',
);

/** The malformed requests, given mallory's encrypted folder `enc` and plain folder `plain`. */
function probes(ctx: CheckContext, enc: number, plain: readonly string[]): fc.Arbitrary<Probe> {
  const uid = ctx.userId('mallory');
  const formBody = (body: string): RequestOptions => ({
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return fc.oneof(
    badCounter.map((c) => ({
      label: `lock with counter ${JSON.stringify(c)}`,
      actor: 'mallory' as const,
      method: 'POST',
      path: e2eePath(`/lock/${enc}`),
      opts: { headers: { 'x-nc-e2ee-counter': c } },
    })),
    fc
      .tuple(
        fc.constantFrom('GET', 'PUT', 'DELETE', 'POST'),
        fc.constantFrom('meta-data', 'lock', 'encrypted'),
        badId,
      )
      .map(([method, what, id]) => ({
        label: `${method} /${what}/${id}`,
        actor: 'mallory' as const,
        method,
        path: e2eePath(`/${what}/${id}`),
        opts: { headers: { 'x-nc-e2ee-counter': '1' } },
      })),
    fc.constantFrom('private-key', 'public-key').map((what) => ({
      label: `POST ${what} with a repeated parameter`,
      actor: 'mallory' as const,
      method: 'POST',
      path: e2eePath(`/${what}`),
      opts: formBody(what === 'private-key' ? 'privateKey=a%7Cb%7Cc&privateKey=d' : 'csr=a&csr=b'),
    })),
    fc.constantFrom('x', '{}', '[1]', '"a"', '[', '[null]').map((users) => ({
      label: `GET public-key?users=${users}`,
      actor: 'mallory' as const,
      method: 'GET',
      path: `${e2eePath('/public-key')}&users=${encodeURIComponent(users)}`,
      opts: {},
    })),
    fc.constantFrom('{', '{"privateKey":', 'null', '"x"', '{"privateKey":{"a":1}}').map((body) => ({
      label: `POST private-key with JSON ${body}`,
      actor: 'mallory' as const,
      method: 'POST',
      path: e2eePath('/private-key'),
      opts: { headers: { 'content-type': 'application/json' }, body },
    })),
    fc
      .tuple(fc.constantFrom('POST', 'PUT'), printable(40), fc.boolean())
      .map(([method, doc, token]) => ({
        label: `${method} /meta-data without ${token ? 'a lock' : 'a token'}`,
        actor: 'mallory' as const,
        method,
        path: e2eePath(`/meta-data/${enc}`),
        opts: {
          ...form({ metaData: doc }),
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(token ? { 'e2e-token': 'Q'.repeat(64), 'x-nc-e2ee-signature': 'c2ln' } : {}),
          },
        },
      })),
    fc
      .constantFrom(
        '<',
        '<!DOCTYPE d [<!ENTITY a "b">]><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>',
        '<foo/>',
        '<d:propfind xmlns:d="DAV:"><d:prop>',
      )
      .map((body) => ({
        label: `PROPFIND with body ${JSON.stringify(body.slice(0, 20))}`,
        actor: 'mallory' as const,
        method: 'PROPFIND',
        path: davPath(uid, plain),
        opts: { headers: { depth: '1', 'content-type': 'application/xml' }, body },
      })),
    fc.constantFrom('infinity', '2', 'x').map((depth) => ({
      label: `PROPFIND Depth ${depth}`,
      actor: 'mallory' as const,
      method: 'PROPFIND',
      path: davPath(uid, plain),
      opts: { headers: { depth } },
    })),
    fc.constantFrom('%E0%A4%A', '%', '%zz', '%C0%AF').map((seg) => ({
      label: `GET a path with ${seg}`,
      actor: 'mallory' as const,
      method: 'GET',
      path: `/remote.php/dav/files/${encodeURIComponent(uid)}/${seg}`,
      opts: {},
    })),
    fc.constantFrom('MKCOL', 'PROPPATCH', 'LOCK', 'MOVE').map((method) => ({
      label: `${method} on the plain folder (body or header missing)`,
      actor: 'mallory' as const,
      method,
      path: davPath(uid, [...plain, method === 'MKCOL' ? 'new' : '']),
      opts: method === 'MKCOL' ? { body: 'a body' } : {},
    })),
    fc
      .tuple(fc.constantFrom('', '2', '3', 'x'), fc.constantFrom('0', '32', 'abc', '2'))
      .map(([shareType, permissions]) => ({
        label: `POST shares shareType=${shareType} permissions=${permissions}`,
        actor: 'mallory' as const,
        method: 'POST',
        path: sharesPath(''),
        opts: form({
          path: `/${plain.join('/')}`,
          shareType,
          shareWith: ctx.userId('carol'),
          permissions,
        }),
      })),
    fc.constantFrom('/public-key', '/private-key', `/meta-data/${enc}`).map((p) => ({
      label: `GET ${p} without OCS-APIRequest`,
      actor: 'mallory' as const,
      method: 'GET',
      path: e2eePath(p),
      opts: { bare: true },
    })),
    fc.constant({
      label: 'anonymous GET private-key',
      actor: null,
      method: 'GET',
      path: e2eePath('/private-key'),
      opts: {},
    }),
  );
}

/** Sends one probe; a failure when the server answers 5xx or not at all. */
async function send(ctx: CheckContext, p: Probe): Promise<Reply> {
  const r = await ctx.request(p.actor, p.method, p.path, p.opts);
  if (r.status >= 500)
    throw new CheckFailure(`${p.label}: HTTP ${r.status}`, { expected: '4xx', actual: seen(r) });
  if (r.status < 400)
    throw new CheckFailure(`${p.label}: a malformed request was accepted (${r.status})`, {
      expected: '4xx',
      actual: seen(r),
    });
  return r;
}

const fuzzMalformed: ServerCheck = {
  id: 'security/fuzz-malformed-requests',
  title: 'Fuzzed malformed requests are all refused with a 4xx and change no committed state',
  requirements: ['E2EE-API-007', 'E2EE-API-091', 'E2EE-API-825', 'E2EE-API-826'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const enc = await committedFolder(ctx, 'mallory', 'enc', '{"metadata":{}}');
    const plain = inRunFolder(ctx, 'mallory', 'plain');
    await makeFolder(ctx, 'mallory', plain);
    const before = await ctx.management?.stateFingerprint();
    if (before === undefined)
      ctx.note('no management API: the state is judged by the statuses only');
    const arb = probes(ctx, enc.id, plain);
    let sent = 0;
    const batch = async (list: readonly Probe[]) => {
      for (const p of list) {
        await send(ctx, p);
        sent++;
      }
      const after = await ctx.management?.stateFingerprint();
      if (after !== before)
        throw new CheckFailure(
          `the committed state changed after: ${list.map((p) => p.label).join('; ')}`,
          {
            expected: before,
            actual: after,
          },
        );
    };
    // Every kind of probe once, deterministically, then random batches within the budget.
    await batch(fc.sample(arb, { seed: ctx.seed, numRuns: 24 }));
    const replay = ctx.replay;
    const out = await fc.check(
      fc.asyncProperty(fc.array(arb, { minLength: 1, maxLength: 6 }), batch),
      replay
        ? { seed: replay.seed, ...(replay.path ? { path: replay.path } : {}), endOnFailure: true }
        : {
            seed: ctx.seed,
            numRuns: Math.max(1, ctx.budget.numRuns),
            endOnFailure: true,
            interruptAfterTimeLimit: ctx.budget.wallClockMs,
          },
    );
    ctx.note(`${sent} malformed requests sent`);
    if (!out.failed) return;
    const err = out.errorInstance;
    if (!(err instanceof CheckFailure)) throw err instanceof Error ? err : new Error(String(err));
    const details: Replay = {
      seed: out.seed,
      path: out.counterexamplePath ?? '',
      commands: (out.counterexample?.[0] ?? []).map((p) => p.label),
    };
    throw new CheckFailure(err.message, { ...err.details, replay: details });
  },
};

/** A marker that must never come back: planted, so every artefact is checked against it too. */
function marker(ctx: CheckContext, label: string): string {
  const m = `sealfold-planted-${label}-${ctx.seed.toString(36)}`;
  ctx.plantSecret(m);
  return m;
}

/** Fails when a refusal (body or headers) contains `secret`. */
function assertNoEcho(reply: Reply, secret: string, what: string): void {
  // Only refusals are judged: an accepted write legitimately echoes what it stored, and whether
  // the server should have refused is for the checks of that requirement.
  if (reply.status < 400) return;
  const text = reply.text() + JSON.stringify(reply.headers);
  if (text.includes(secret))
    throw new CheckFailure(
      `${what}: the answer (HTTP ${reply.status}) echoes the submitted secret`,
      {
        expected: 'no echo of the request content',
        actual: `HTTP ${reply.status}, secret found in the ${reply.text().includes(secret) ? 'body' : 'headers'}`,
      },
    );
}

/** Basic credentials for a login name that is no account (a failed login, counted once). */
function basic(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`;
}

const noSecretInErrors: ServerCheck = {
  id: 'security/no-secret-in-errors',
  title: 'Refusals never echo the submitted password, key material or metadata',
  requirements: ['E2EE-SEC-062', 'E2EE-API-004'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const pw = marker(ctx, 'password');
    const login = await ctx.request(null, 'GET', e2eePath('/public-key'), {
      headers: { authorization: basic(`nobody-${ctx.seed}`, pw) },
    });
    expectStatus(login, 401, 'a wrong password');
    assertNoEcho(login, pw, 'a wrong password');

    const csr = marker(ctx, 'csr');
    const r1 = await ctx.request(
      'mallory',
      'POST',
      e2eePath('/public-key'),
      form({ csr: `garbage ${csr}` }),
    );
    assertNoEcho(r1, csr, 'a malformed CSR');

    // In nc30 any non-empty blob is stored (E2EE-API-041), so only nc32 refuses (and could echo) it.
    if (ctx.statusProfile !== 'nc30') {
      const blob = marker(ctx, 'blob');
      const r2 = await ctx.request(
        'mallory',
        'POST',
        e2eePath('/private-key'),
        form({ privateKey: `${blob}|x|y` }),
      );
      assertNoEcho(r2, blob, 'a malformed private-key blob');
    }

    const f = await committedFolder(ctx, 'mallory', 'secret', '{"metadata":{}}');
    const token = await lock(ctx, 'mallory', f.id, 2);
    const doc = marker(ctx, 'metadata');
    const r3 = await writeMetadata(
      ctx,
      'mallory',
      'PUT',
      f.id,
      token,
      `{"a": ${doc}`,
      fakeSignature(ctx.seed, 's'),
    );
    assertNoEcho(r3, doc, 'a malformed metadata document');
    expectStatus(await unlock(ctx, 'mallory', f.id, token), 200, 'unlock');
  },
};

const noSecretInLogs: ServerCheck = {
  id: 'security/no-secret-in-logs',
  title: 'The request log and the audit log hold no credentials, tokens or submitted secrets',
  requirements: ['E2EE-SEC-060', 'E2EE-SEC-061', 'E2EE-API-084'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    if (ctx.management === undefined)
      throw new CheckSkipped("needs the mock's management API to read the server's logs");
    const pw = marker(ctx, 'log-password');
    await ctx.request(null, 'GET', e2eePath('/public-key'), {
      headers: { authorization: basic(`nobody-${ctx.seed}`, pw) },
    });
    const shareToken = marker(ctx, 'log-token');
    // In a query string (which the log must drop), on an endpoint that does not look it up.
    await ctx.request('mallory', 'GET', `${e2eePath('/public-key')}&shareToken=${shareToken}`);
    const f = await committedFolder(ctx, 'mallory', 'logged', '{"metadata":{}}');
    const token = await lock(ctx, 'mallory', f.id, 2);
    ctx.plantSecret(token);
    expectStatus(await unlock(ctx, 'mallory', f.id, token), 200, 'unlock');
    for (const path of ['/__sealfold/requests', '/__sealfold/audit']) {
      const r = await ctx.request(null, 'GET', path, { bare: true });
      expectStatus(r, 200, `GET ${path}`);
      const text = r.text();
      for (const [what, secret] of [
        ['a password', pw],
        ['a share token', shareToken],
        ['a lock token', token],
      ] as const)
        if (text.includes(secret))
          throw new CheckFailure(`${path} contains ${what}`, {
            expected: `no ${what}`,
            actual: `${what} found`,
          });
      if (/Basic\s+[A-Za-z0-9+/=]{8,}/.test(text))
        throw new CheckFailure(`${path} contains an Authorization header`, {
          expected: 'no credentials',
          actual: 'a Basic credential found',
        });
    }
  },
};

/** Fails unless a 429 carries `Retry-After` with whole seconds ≥ 1 (E2EE-API-406). */
function expectRetryAfter(reply: Reply, what: string): void {
  const value = reply.headers['retry-after'] ?? '';
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CheckFailure(`${what}: the 429 has no Retry-After of whole seconds ≥ 1`, {
      expected: 'Retry-After: <seconds ≥ 1>',
      actual: value === '' ? 'no Retry-After' : `Retry-After: ${value}`,
    });
}

const bruteForceLimit: ServerCheck = {
  id: 'security/brute-force-limit',
  title: 'Repeated failed logins and share-token guesses are answered 429 with Retry-After',
  requirements: ['E2EE-API-052', 'E2EE-API-053', 'E2EE-API-406'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  needs: ['brute-force-limit'],
  // Afterwards every share-token request from this address is 429 for 600 s (E2EE-API-053).
  exhaustsAddressLimits: true,
  async run(ctx) {
    // A login name that is no account, so that no test account is throttled for the run.
    const login = `sealfold-guess-${ctx.seed.toString(36)}`;
    const limit = 10;
    const guess = (i: number) => {
      const pw = `guess-${i}-${ctx.seed}`;
      ctx.plantSecret(pw);
      return ctx.request(null, 'GET', e2eePath('/public-key'), {
        headers: { authorization: basic(login, pw) },
      });
    };
    for (let i = 0; i < limit; i++) expectStatus(await guess(i), 401, `failed login ${i + 1}`);
    const throttled = await guess(limit);
    expectStatus(throttled, 429, `login attempt ${limit + 1}`);
    expectRetryAfter(throttled, `login attempt ${limit + 1}`);

    const token = (i: number) =>
      ctx.request(null, 'GET', e2eePath('/private-key'), {
        headers: { 'x-nc-e2ee-share-token': `guess${i}x${ctx.seed.toString(36)}` },
      });
    // Other tests may have sent an unknown token from this address already: the 429 must come
    // within `limit + 1` guesses, and every guess before it must be an ordinary 404.
    let blocked = false;
    for (let i = 0; i <= limit && !blocked; i++) {
      const r = await token(i);
      blocked = r.status === 429;
      if (blocked) expectRetryAfter(r, `share-token guess ${i + 1}`);
      else expectStatus(r, 404, `unknown share token ${i + 1}`);
    }
    if (!blocked)
      throw new CheckFailure(`${limit + 1} share-token guesses were never throttled`, {
        expected: 429,
        actual: 404,
      });
  },
};

const serverKeyRateLimit: ServerCheck = {
  id: 'security/server-key-rate-limit',
  title: 'Anonymous GET server-key is answered 429 after 6 in 600 s; authenticated ones are not',
  requirements: ['E2EE-API-051', 'E2EE-API-406'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  needs: ['server-key-rate-limit'],
  async run(ctx) {
    const limit = 6;
    // An earlier run from this address may still count in the window: the 429 must come within
    // `limit + 1` requests, and every request before it must be an ordinary 200.
    let throttled: Reply | undefined;
    for (let i = 0; i <= limit && throttled === undefined; i++) {
      const r = await ctx.request(null, 'GET', e2eePath('/server-key'));
      if (r.status === 429) throttled = r;
      else expectStatus(r, 200, `anonymous server-key ${i + 1}`);
    }
    if (throttled === undefined)
      throw new CheckFailure(`${limit + 1} anonymous server-key requests were never throttled`, {
        expected: 429,
        actual: 200,
      });
    expectRetryAfter(throttled, 'anonymous server-key');
    const authed = await ctx.request('alice', 'GET', e2eePath('/server-key'));
    expectStatus(authed, 200, 'authenticated server-key while the anonymous ones are throttled');
  },
};

/** The server-security checks, in report order. */
export const SECURITY_CHECKS: readonly ServerCheck[] = [
  fuzzMalformed,
  noSecretInErrors,
  noSecretInLogs,
  bruteForceLimit,
  serverKeyRateLimit,
];
