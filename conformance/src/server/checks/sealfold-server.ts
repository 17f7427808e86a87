/**
 * Requirements that hold for a Sealfold server only (spec/10-server-api.md §1): a Nextcloud server
 * answers these situations differently, and legitimately so (its gate refusal carries no hint, its
 * browser session passes the CSRF check). The checks need the target feature `sealfold-mock`.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import { CheckFailure, type CheckContext, type Reply, type ServerCheck } from '../check.js';
import { committedFolder, e2eePath, expectStatus, ocsData, seen } from './_support.js';

/** Names every accepted E2EE client family (desktop, Android, iOS) in a gate refusal. */
const CLIENT_NAMES: readonly RegExp[] = [/mirall|desktop/i, /android/i, /ios/i];

/** Fails unless `message` says how to pass the E2EE gate in this status profile (E2EE-API-407). */
function expectGateHint(ctx: CheckContext, message: string, userAgent: string, what: string) {
  const fail = (why: string) =>
    new CheckFailure(`${what}: the 403 ${why}`, {
      expected: 'a message naming the accepted user agents',
      actual: message === '' ? 'no message' : message,
    });
  for (const name of CLIENT_NAMES)
    if (!name.test(message)) throw fail(`does not name the client ${name.source}`);
  // The header marks an E2EE client from app 1.17 on (E2EE-API-221): nc32 offers it, nc30 not.
  const offersHeader = /X-E2EE-Supported: true/i.test(message);
  if (ctx.statusProfile === 'nc30' ? offersHeader : !offersHeader)
    throw fail(
      ctx.statusProfile === 'nc30'
        ? 'offers X-E2EE-Supported: true, which profile nc30 does not honour'
        : 'does not offer the header X-E2EE-Supported: true',
    );
  // E2EE-SEC-062: the refusal must not echo request bytes.
  if (message.includes(userAgent)) throw fail('echoes the user agent');
}

const davError = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
});

/** The `s:message` of a WebDAV error document, or '' when there is none. */
function davMessage(reply: Reply): string {
  try {
    const doc = davError.parse(reply.text()) as { error?: { message?: unknown } };
    const m = doc.error?.message;
    return typeof m === 'string' ? m : '';
  } catch {
    return '';
  }
}

const gateRefusalSaysHow: ServerCheck = {
  id: 'sealfold/gate-refusal-says-how',
  title: "The E2EE gate's 403 names the accepted clients (and in nc32 the header) without echo",
  requirements: ['E2EE-API-407'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  needs: ['sealfold-mock'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'gate-hint', '{"metadata":{}}');
    const userAgent = `Mozilla/5.0 (X11; Linux x86_64) SealfoldProbe/${ctx.seed.toString(36)}`;
    const headers = { 'ocs-apirequest': 'true', 'user-agent': userAgent };
    const ocs = await ctx.request('alice', 'GET', e2eePath(`/meta-data/${f.id}`), {
      bare: true,
      headers,
    });
    expectStatus(ocs, 403, 'GET /meta-data from a browser');
    const data = ocsData(ocs) as { message?: unknown } | undefined;
    const message = typeof data?.message === 'string' ? data.message : '';
    expectGateHint(ctx, message, userAgent, 'OCS data.message');

    const davFolder = `/remote.php/dav/files/${encodeURIComponent(ctx.userId('alice'))}/${f.segs.map(encodeURIComponent).join('/')}`;
    const dav = await ctx.request('alice', 'PROPFIND', davFolder, {
      bare: true,
      headers: { ...headers, depth: '1' },
    });
    expectStatus(dav, 403, 'PROPFIND of an encrypted folder from a browser');
    expectGateHint(ctx, davMessage(dav), userAgent, 'WebDAV s:message');
  },
};

/** A desktop client's user agent, which passes the E2EE gate in every profile (E2EE-API-006). */
const DESKTOP_USER_AGENT = 'Mozilla/5.0 (Linux) mirall/3.16.0';

/** What a browser session would send: Nextcloud's session cookies and CSRF request token. */
const SESSION = {
  cookie: 'nc_session_id=sealfoldprobe; nc_token=sealfoldprobe; oc_sessionPassphrase=probe',
  requesttoken: 'sealfold-probe-request-token',
};

const noBrowserSession: ServerCheck = {
  id: 'sealfold/no-browser-session',
  title: 'A request token or cookie never replaces OCS-APIRequest or credentials',
  requirements: ['E2EE-API-408'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  needs: ['sealfold-mock'],
  async run(ctx) {
    const withToken = await ctx.request('alice', 'GET', e2eePath('/public-key'), {
      bare: true,
      headers: { 'user-agent': DESKTOP_USER_AGENT, ...SESSION },
    });
    expectStatus(
      withToken,
      412,
      'OCS request with a requesttoken and a cookie but no OCS-APIRequest',
    );
    const cookieOnly = await ctx.request(null, 'GET', '/ocs/v2.php/cloud/user?format=json', {
      headers: { cookie: SESSION.cookie },
    });
    if (cookieOnly.status !== 401)
      throw new CheckFailure('a request with only a session cookie was not anonymous', {
        expected: 401,
        actual: seen(cookieOnly),
      });
  },
};

/** The Sealfold-specific checks, in report order. */
export const SEALFOLD_SERVER_CHECKS: readonly ServerCheck[] = [
  gateRefusalSaysHow,
  noBrowserSession,
];
