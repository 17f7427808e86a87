/**
 * What an operator and a client developer see of refusals: the management token and the
 * non-loopback refusal, the gate's hint, `Retry-After` on 429, error codes in the request log, and
 * duplicate uids in a users file.
 */
import request from 'supertest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { E2EE_V1, CREDS, DESKTOP_UA, testServer } from '../_support/server.js';
import { MANAGEMENT_TOKEN_HEADER, isLoopbackHost, parseConfig } from '../../src/config.js';
import { MemoryStore } from '../../src/store/index.js';
import { loadUsersFile } from '../../src/users-file.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-operator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'a-management-token-of-32-chars!!';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';

function configError(input: Parameters<typeof parseConfig>[0]): string {
  try {
    parseConfig(input);
  } catch (e) {
    if (isSealfoldError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'accepted';
}

describe('management beyond loopback', () => {
  it('E2EE-API-403: --management on a non-loopback host needs the explicit flag and a token', () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.7'])
      expect(configError({ host, management: true })).toMatch(
        /^INPUT_MALFORMED: .*non-loopback host .*--management-remote/,
      );
    expect(configError({ host: '0.0.0.0', management: true, managementRemote: true })).toMatch(
      /non-loopback/,
    );
    expect(configError({ host: '0.0.0.0', management: true, managementToken: TOKEN })).toMatch(
      /non-loopback/,
    );
    expect(
      configError({
        host: '0.0.0.0',
        management: true,
        managementRemote: true,
        managementToken: TOKEN,
      }),
    ).toBe('accepted');
    // Without the management API there is nothing to protect.
    expect(configError({ host: '0.0.0.0' })).toBe('accepted');
    expect(configError({ managementToken: 'short' })).toMatch(/at least 16/);
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '128.0.0.1', '127.0.0.1.example', 'example.org'])
      expect(isLoopbackHost(h)).toBe(false);
  });

  it('E2EE-API-403: with a token, management requests without it (or with another) get 401', async () => {
    const s = await testServer({ management: true, managementToken: TOKEN });
    expect((await request(s.app).get('/__sealfold/state')).status).toBe(401);
    expect(
      (
        await request(s.app)
          .get('/__sealfold/state')
          .set(MANAGEMENT_TOKEN_HEADER, TOKEN + 'x')
      ).status,
    ).toBe(401);
    const posted = await request(s.app)
      .post('/__sealfold/users')
      .send({ uid: 'mallory', password: 'pw' });
    expect(posted.status).toBe(401);
    expect(s.store.get('users', 'mallory')).toBeUndefined();
    const ok = await request(s.app).get('/__sealfold/state').set(MANAGEMENT_TOKEN_HEADER, TOKEN);
    expect(ok.status).toBe(200);
    expect(typeof ok.body.fingerprint).toBe('string');
  });
});

describe('refusals an operator can act on', () => {
  it('E2EE-API-407: the user-agent refusal carries a hint in data.message, per profile', async () => {
    for (const profile of ['nc32', 'nc30'] as const) {
      const s = await testServer({ profile });
      const r = await request(s.app)
        .get(`${E2EE_V1}/server-key?format=json`)
        .set('OCS-APIRequest', 'true')
        .set('User-Agent', BROWSER_UA)
        .auth('alice', CREDS.alice.app);
      expect(r.status).toBe(403);
      const data = r.body.ocs.data as { message?: string };
      expect(data.message).toMatch(/mirall/);
      if (profile === 'nc32') expect(data.message).toMatch(/X-E2EE-Supported: true/);
      else expect(data.message).toMatch(/User-Agent only/);
      // The user agent is not echoed back.
      expect(JSON.stringify(r.body)).not.toContain('Firefox');
    }
  });

  it('E2EE-API-406: a 429 carries Retry-After with the seconds until the window frees a slot', async () => {
    const s = await testServer();
    const anon = () =>
      request(s.app)
        .get(`${E2EE_V1}/server-key?format=json`)
        .set('OCS-APIRequest', 'true')
        .set('User-Agent', DESKTOP_UA);
    for (let i = 0; i < 6; i++) {
      const r = await anon();
      expect(r.status).toBe(200);
      expect(r.headers['retry-after']).toBeUndefined();
      s.clock.t += 10_000;
    }
    const refused = await anon();
    expect(refused.status).toBe(429);
    // The first accepted request (60 s ago) leaves the 600 s window in 540 s.
    expect(refused.headers['retry-after']).toBe('540');
    s.clock.t += 539_000;
    expect((await anon()).headers['retry-after']).toBe('1');
    s.clock.t += 1_000;
    expect((await anon()).status).toBe(200);
  });

  it('E2EE-API-404: a refusal is logged with its error code; a success without one', async () => {
    const s = await testServer();
    await request(s.app)
      .get(`${E2EE_V1}/private-key?format=json`)
      .set('OCS-APIRequest', 'true')
      .set('User-Agent', BROWSER_UA)
      .auth('alice', CREDS.alice.app);
    await request(s.app)
      .get(`${E2EE_V1}/server-key?format=json`)
      .set('OCS-APIRequest', 'true')
      .set('User-Agent', DESKTOP_UA)
      .auth('alice', CREDS.alice.app);
    const entries = s.log.entries.filter((e) => e.type === 'request');
    expect(entries.map((e) => [e.status, e.code])).toEqual([
      [403, 'FORBIDDEN'],
      [200, undefined],
    ]);
  });
});

describe('browser sessions', () => {
  it('E2EE-API-408: a request token or a session cookie replaces neither OCS-APIRequest nor credentials', async () => {
    const s = await testServer();
    const noHeader = await request(s.app)
      .get(`${E2EE_V1}/private-key?format=json`)
      .set('requesttoken', 'a-request-token')
      .set('Cookie', 'nc_session_id=abc; oc_sessionPassphrase=def')
      .set('User-Agent', DESKTOP_UA)
      .auth('alice', CREDS.alice.app);
    expect(noHeader.status).toBe(412);
    const cookieOnly = await request(s.app)
      .get(`${E2EE_V1}/private-key?format=json`)
      .set('OCS-APIRequest', 'true')
      .set('requesttoken', 'a-request-token')
      .set('Cookie', 'nc_session_id=abc; nc_username=alice')
      .set('User-Agent', DESKTOP_UA);
    expect(cookieOnly.status).toBe(401);
  });
});

describe('users file', () => {
  it('E2EE-API-405: a uid given twice is rejected and nobody is created', () => {
    const path = join(dir, 'dup.json');
    writeFileSync(
      path,
      JSON.stringify({
        users: [
          { uid: 'alice', password: 'one' },
          { uid: 'bob', password: 'two' },
          { uid: 'alice', password: 'three' },
        ],
      }),
    );
    const store = new MemoryStore();
    let err: unknown;
    try {
      loadUsersFile(path, store, 0);
    } catch (e) {
      err = e;
    }
    expect(isSealfoldError(err) && err.code).toBe('INPUT_MALFORMED');
    expect((err as Error).message).toMatch(/\/users\/2\/uid "alice" is already defined/);
    expect(store.list('users')).toEqual([]);
  });
});
