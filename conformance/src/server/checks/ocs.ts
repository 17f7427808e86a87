/**
 * OCS envelope and gate checks (spec/10-server-api.md §1): the envelope in JSON and XML, the
 * HTTP status against `meta.statuscode` on v1 and v2, the CSRF header Nextcloud requires on every
 * OCS request, 401 for anonymous requests, and request parameters read body first.
 *
 * Actors follow keys.ts: mallory never has a key, so her key reads are refusals.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import {
  CheckFailure,
  type Actor,
  type CheckContext,
  type Reply,
  type ServerCheck,
} from '../check.js';
import {
  dataString,
  e2eePath,
  expectEqual,
  expectStatus,
  lock,
  makeEncryptedFolder,
  seen,
  unlock,
} from './_support.js';

/** `meta` of a JSON envelope, or a failure naming the reply. */
function jsonMeta(
  reply: Reply,
  what: string,
): { status?: unknown; statuscode?: unknown; message?: unknown } {
  let doc: unknown;
  try {
    doc = JSON.parse(reply.text());
  } catch {
    doc = undefined;
  }
  const ocs = (doc as { ocs?: { meta?: unknown; data?: unknown } } | undefined)?.ocs;
  if (ocs === undefined || typeof ocs.meta !== 'object' || ocs.meta === null || !('data' in ocs))
    throw new CheckFailure(`${what}: not a JSON OCS envelope`, {
      expected: '{"ocs":{"meta":{…},"data":…}}',
      actual: seen(reply),
    });
  return ocs.meta as { status?: unknown; statuscode?: unknown; message?: unknown };
}

/** `ocs.meta` of an XML envelope, or a failure naming the reply. */
function xmlMeta(reply: Reply, what: string): { status?: unknown; statuscode?: unknown } {
  let doc: unknown;
  try {
    doc = new XMLParser({ parseTagValue: false }).parse(reply.text(), true);
  } catch {
    doc = undefined;
  }
  const ocs = (doc as { ocs?: { meta?: unknown; data?: unknown } } | undefined)?.ocs;
  if (ocs === undefined || typeof ocs.meta !== 'object' || ocs.meta === null || !('data' in ocs))
    throw new CheckFailure(`${what}: not an XML OCS envelope`, {
      expected: '<ocs><meta>…</meta><data>…</data></ocs>',
      actual: seen(reply),
    });
  return ocs.meta as { status?: unknown; statuscode?: unknown };
}

const CAPABILITIES_V1 = '/ocs/v1.php/cloud/capabilities';
const CAPABILITIES_V2 = '/ocs/v2.php/cloud/capabilities';

const envelopeFormats: ServerCheck = {
  id: 'ocs/envelope-formats',
  title: 'OCS answers are an XML envelope by default and JSON when format=json or Accept asks',
  requirements: ['E2EE-API-001'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    for (const path of [CAPABILITIES_V2, CAPABILITIES_V1]) {
      const xml = await ctx.request('alice', 'GET', path, {
        headers: { accept: 'application/xml' },
      });
      expectStatus(xml, 200, `GET ${path} asking for XML`);
      expectEqual(String(xmlMeta(xml, `GET ${path} (XML)`).status), 'ok', 'XML meta.status');
      const byAccept = await ctx.request('alice', 'GET', path, {
        headers: { accept: 'application/json' },
      });
      expectEqual(
        String(jsonMeta(byAccept, `GET ${path} (Accept JSON)`).status),
        'ok',
        'JSON meta.status',
      );
      const byQuery = await ctx.request('alice', 'GET', `${path}?format=json`);
      expectEqual(
        String(jsonMeta(byQuery, `GET ${path}?format=json`).status),
        'ok',
        'JSON meta.status',
      );
    }
  },
};

/** One request's HTTP status and `meta.statuscode` against what E2EE-API-002 asks. */
async function expectCodes(
  ctx: CheckContext,
  actor: Actor | null,
  path: string,
  http: number,
  statuscode: number,
): Promise<void> {
  const r = await ctx.request(actor, 'GET', path);
  const what = `GET ${path} as ${actor ?? 'anonymous'}`;
  expectStatus(r, http, what);
  expectEqual(Number(jsonMeta(r, what).statuscode), statuscode, `${what}: meta.statuscode`);
}

const statusCodes: ServerCheck = {
  id: 'ocs/status-codes',
  title:
    'v2 answers HTTP = statuscode; v1 answers HTTP 200 with statuscode 100 or the error; anonymous is 401/997',
  requirements: ['E2EE-API-002'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const v1Key = '/ocs/v1.php/apps/end_to_end_encryption/api/v1/private-key?format=json';
    await expectCodes(ctx, 'alice', `${CAPABILITIES_V2}?format=json`, 200, 200);
    await expectCodes(ctx, 'alice', `${CAPABILITIES_V1}?format=json`, 200, 100);
    // mallory never has a private key: a refusal with 404.
    await expectCodes(ctx, 'mallory', e2eePath('/private-key'), 404, 404);
    await expectCodes(ctx, 'mallory', v1Key, 200, 404);
    await expectCodes(ctx, null, '/ocs/v2.php/cloud/user?format=json', 401, 997);
    await expectCodes(ctx, null, '/ocs/v1.php/cloud/user?format=json', 401, 997);
  },
};

/**
 * A desktop client's user agent: passes the E2EE client gate in every status profile
 * (E2EE-API-006), so that only the missing OCS header can explain a refusal.
 */
const DESKTOP_USER_AGENT = 'Mozilla/5.0 (Linux) mirall/3.16.0';

const csrfHeaderRequired: ServerCheck = {
  id: 'ocs/csrf-header-required',
  title: 'An OCS request without OCS-APIRequest: true is refused with 412 and changes nothing',
  requirements: ['E2EE-API-003'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const folder = await makeEncryptedFolder(ctx, 'alice', 'csrf');
    // A lock request from a client that leaves out the header (a browser form, say).
    const r = await ctx.request('alice', 'POST', e2eePath(`/lock/${folder.id}`), {
      bare: true,
      headers: { 'user-agent': DESKTOP_USER_AGENT, 'x-nc-e2ee-counter': '1' },
    });
    expectStatus(r, 412, 'POST lock without OCS-APIRequest');
    // Nothing was locked: a client with the header locks the folder at once.
    const token = await lock(ctx, 'alice', folder.id, 1);
    expectStatus(await unlock(ctx, 'alice', folder.id, token, true), 200, 'unlock (abort)');
  },
};

const anonymousRefused: ServerCheck = {
  id: 'ocs/anonymous-refused',
  title: 'Endpoints that act for a user answer an anonymous request with 401',
  requirements: ['E2EE-API-005'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await makeEncryptedFolder(ctx, 'alice', 'anonymous');
    const requests: [string, string][] = [
      ['GET', '/ocs/v2.php/cloud/user?format=json'],
      // nc33 (app 2.x) serves public-key lookups anonymously (E2EE-API-432).
      ...(ctx.statusProfile === 'nc33'
        ? []
        : [['GET', e2eePath('/public-key')] as [string, string]]),
      ['POST', e2eePath('/public-key')],
      ['GET', e2eePath('/private-key')],
      ['POST', e2eePath('/private-key')],
      ['POST', e2eePath(`/lock/${f.id}`)],
      ['GET', e2eePath(`/meta-data/${f.id}`)],
      ['PUT', e2eePath(`/encrypted/${f.id}`)],
    ];
    for (const [method, path] of requests)
      expectStatus(await ctx.request(null, method, path), 401, `anonymous ${method} ${path}`);
  },
};

const parametersBodyFirst: ServerCheck = {
  id: 'ocs/parameters-body-first',
  title: 'A parameter is read from a form or JSON body before the query string',
  requirements: ['E2EE-API-009'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await makeEncryptedFolder(ctx, 'alice', 'params');
    const token = await lock(ctx, 'alice', f.id, 1);
    // A lock retry with the right token in the body and a wrong one in the query: the body wins,
    // so the retry is granted the same token (E2EE-LOCK-003).
    const wrong = `${e2eePath(`/lock/${f.id}`)}&e2e-token=not-the-token`;
    const bodies: [string, string][] = [
      ['application/x-www-form-urlencoded', new URLSearchParams({ 'e2e-token': token }).toString()],
      ['application/json', JSON.stringify({ 'e2e-token': token })],
    ];
    for (const [type, body] of bodies) {
      const r = await ctx.request('alice', 'POST', wrong, {
        headers: { 'content-type': type, 'x-nc-e2ee-counter': '1' },
        body,
      });
      expectStatus(r, 200, `lock retry with the token in a ${type} body`);
      expectEqual(dataString(r, 'e2e-token', 'lock retry'), token, 'the retry answers the token');
    }
    // And from the query string when the body has none.
    const fromQuery = await ctx.request(
      'alice',
      'POST',
      `${e2eePath(`/lock/${f.id}`)}&e2e-token=${encodeURIComponent(token)}`,
      {
        headers: { 'x-nc-e2ee-counter': '1' },
      },
    );
    expectStatus(fromQuery, 200, 'lock retry with the token in the query string');
    expectStatus(await unlock(ctx, 'alice', f.id, token, true), 200, 'unlock (abort)');
  },
};

/** The OCS envelope and gate checks, in report order. */
export const OCS_CHECKS: readonly ServerCheck[] = [
  envelopeFormats,
  statusCodes,
  csrfHeaderRequired,
  anonymousRefused,
  parametersBodyFirst,
];
