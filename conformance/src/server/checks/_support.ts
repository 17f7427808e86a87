/**
 * What the server checks share: expectations that throw {@link CheckFailure} with expected and
 * actual values, and the few multi-request steps many checks set up (an encrypted folder, a lock,
 * a committed metadata document). Everything speaks HTTP through the check context; request
 * shapes come from the model run's `../model/http.ts`, so that both speak to a server alike.
 *
 * @module
 */
import { CheckFailure, type Actor, type CheckContext, type Reply } from '../check.js';
import { davPath, e2eePath, fileIdHeader, form, ocsData, parseListing } from '../model/http.js';
import { isModelProfile, statusFor, type Situation } from '../model/statuses.js';

export { davPath, e2eePath, form, ocsData, sharesPath } from '../model/http.js';

/** A short description of a reply for failure evidence (no body beyond 200 characters). */
export function seen(reply: Reply): { status: number; body: string } {
  return { status: reply.status, body: reply.text().slice(0, 200) };
}

/** Throws unless `reply.status` is one of `expected`. */
export function expectStatus(
  reply: Reply,
  expected: number | readonly number[],
  what: string,
): void {
  const list = typeof expected === 'number' ? [expected] : expected;
  if (!list.includes(reply.status))
    throw new CheckFailure(`${what}: expected HTTP ${list.join(' or ')}, got ${reply.status}`, {
      expected: list.length === 1 ? list[0] : list,
      actual: seen(reply),
    });
}

/** Throws unless `actual` equals `expected` (strings or numbers). */
export function expectEqual<T extends string | number | boolean>(
  actual: T | undefined,
  expected: T,
  what: string,
): void {
  if (actual !== expected)
    throw new CheckFailure(
      `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
      {
        expected,
        actual,
      },
    );
}

/** The status the claimed status profile gives `situation` (spec/11-locking.md §7). */
export function profileStatus(ctx: CheckContext, situation: Situation): number {
  if (!isModelProfile(ctx.statusProfile))
    throw new CheckFailure(`unknown status profile ${ctx.statusProfile}`, {
      expected: 'nc30, nc32 or nc33',
      actual: ctx.statusProfile,
    });
  return statusFor(ctx.statusProfile, situation);
}

/** A field of `ocs.data` as a string, or a failure naming what was expected. */
export function dataString(reply: Reply, field: string, what: string): string {
  const data = ocsData(reply) as Record<string, unknown> | undefined;
  const v = data?.[field];
  if (typeof v !== 'string')
    throw new CheckFailure(`${what}: the answer has no string ocs.data["${field}"]`, {
      expected: `ocs.data["${field}"]`,
      actual: seen(reply),
    });
  return v;
}

/** The path segments of `name` inside the test's run folder of `actor`. */
export function inRunFolder(ctx: CheckContext, actor: Actor, ...names: string[]): string[] {
  return [
    ...ctx
      .runFolder(actor)
      .split('/')
      .filter((s) => s !== ''),
    ...names,
  ];
}

/** WebDAV request on `segs` in `actor`'s tree. */
export function dav(
  ctx: CheckContext,
  actor: Actor,
  method: string,
  segs: readonly string[],
  opts: { token?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return ctx.request(actor, method, davPath(ctx.userId(actor), segs), {
    headers: { ...(opts.token ? { 'e2e-token': opts.token } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
}

/** MKCOL `segs` and return the new folder's file id. */
export async function makeFolder(
  ctx: CheckContext,
  actor: Actor,
  segs: readonly string[],
  token?: string,
): Promise<number> {
  const r = await dav(ctx, actor, 'MKCOL', segs, token ? { token } : {});
  expectStatus(r, 201, `MKCOL ${segs.at(-1)}`);
  const id = fileIdHeader(r);
  if (id === undefined)
    throw new CheckFailure('MKCOL answered no OC-FileId header', {
      expected: 'OC-FileId',
      actual: r.headers,
    });
  return id;
}

/** Creates folder `name` in the run folder and sets its E2EE flag; returns its file id. */
export async function makeEncryptedFolder(
  ctx: CheckContext,
  actor: Actor,
  name: string,
): Promise<{ id: number; segs: string[] }> {
  const segs = inRunFolder(ctx, actor, name);
  const id = await makeFolder(ctx, actor, segs);
  expectStatus(
    await ctx.request(actor, 'PUT', e2eePath(`/encrypted/${id}`)),
    200,
    'PUT /encrypted',
  );
  return { id, segs };
}

/** `POST /lock/{id}` with `counter` (and a retry token); the raw reply. */
export function lockRequest(
  ctx: CheckContext,
  actor: Actor,
  id: number,
  counter: number | string,
  token?: string,
): Promise<Reply> {
  return ctx.request(actor, 'POST', e2eePath(`/lock/${id}`), {
    ...(token ? form({ 'e2e-token': token }) : {}),
    headers: {
      'x-nc-e2ee-counter': String(counter),
      ...(token ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
  });
}

/** Locks `id` and returns the token (a failure unless the lock is granted). */
export async function lock(
  ctx: CheckContext,
  actor: Actor,
  id: number,
  counter: number,
): Promise<string> {
  const r = await lockRequest(ctx, actor, id, counter);
  expectStatus(r, 200, `lock with counter ${counter}`);
  return dataString(r, 'e2e-token', 'lock');
}

/** `DELETE /lock/{id}` (commit, or with `abort` revert). */
export function unlock(
  ctx: CheckContext,
  actor: Actor,
  id: number,
  token: string,
  abort = false,
): Promise<Reply> {
  return ctx.request(actor, 'DELETE', e2eePath(`/lock/${id}${abort ? '?abort=true' : ''}`), {
    headers: { 'e2e-token': token },
  });
}

/** POST or PUT of a metadata document under `token`. */
export function writeMetadata(
  ctx: CheckContext,
  actor: Actor,
  method: 'POST' | 'PUT',
  id: number,
  token: string,
  doc: string,
  signature: string,
): Promise<Reply> {
  const f = form({ metaData: doc });
  return ctx.request(actor, method, e2eePath(`/meta-data/${id}`), {
    ...f,
    headers: { ...f.headers, 'e2e-token': token, 'x-nc-e2ee-signature': signature },
  });
}

/** `GET /meta-data/{id}`: the document and the signature header. */
export async function readMetadata(
  ctx: CheckContext,
  actor: Actor,
  id: number,
): Promise<{ doc: string; signature: string | undefined }> {
  const r = await ctx.request(actor, 'GET', e2eePath(`/meta-data/${id}`));
  expectStatus(r, 200, 'GET /meta-data');
  return {
    doc: dataString(r, 'meta-data', 'GET /meta-data'),
    signature: r.headers['x-nc-e2ee-signature'],
  };
}

/**
 * Deterministic pseudo-random bytes from the test's seed and a label (an LCG: these are test
 * payloads the server must keep byte-exact, not secrets).
 */
export function seededBytes(seed: number, label: string, n: number): Uint8Array {
  let x = (seed ^ [...label].reduce((a, c) => (Math.imul(a, 31) + c.charCodeAt(0)) >>> 0, 7)) >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A plausible signature header value: base64 of 256 seeded bytes. */
export function fakeSignature(seed: number, label: string): string {
  return Buffer.from(seededBytes(seed, label, 256)).toString('base64');
}

/**
 * A private-key blob in the stored format `ct|iv|salt` (base64 of 1,700, 12 and 40 bytes, so
 * that segments 0 and 2 end in padding), accepted by every profile (E2EE-API-041).
 */
export function fakeKeyBlob(seed: number, label: string): string {
  const b64 = (n: number, part: string) =>
    Buffer.from(seededBytes(seed, `${label}/${part}`, n)).toString('base64');
  return `${b64(1700, 'ct')}|${b64(12, 'iv')}|${b64(40, 'salt')}`;
}

/**
 * Creates an encrypted folder with a committed metadata document `doc` at counter 1; returns the
 * folder id and its path segments.
 */
export async function committedFolder(
  ctx: CheckContext,
  actor: Actor,
  name: string,
  doc: string,
): Promise<{ id: number; segs: string[] }> {
  const f = await makeEncryptedFolder(ctx, actor, name);
  const token = await lock(ctx, actor, f.id, 1);
  expectStatus(
    await writeMetadata(ctx, actor, 'POST', f.id, token, doc, fakeSignature(ctx.seed, name)),
    200,
    'POST /meta-data',
  );
  expectStatus(await unlock(ctx, actor, f.id, token), 200, 'unlock (commit)');
  return f;
}

/** True when a WebDAV listing of `segs` as `actor` names `name`. */
export async function listed(
  ctx: CheckContext,
  actor: Actor,
  segs: readonly string[],
  name: string,
): Promise<boolean> {
  const r = await ctx.request(actor, 'PROPFIND', davPath(ctx.userId(actor), segs), {
    headers: { depth: '1' },
  });
  expectStatus(r, 207, `PROPFIND ${segs.at(-1) ?? '/'}`);
  return parseListing(r.text(), segs).some((e) => e.name === name);
}
