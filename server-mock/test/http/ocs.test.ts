/**
 * Transport: the OCS envelope (JSON/XML, v1/v2 status rules), the OCS-APIRequest check, Basic
 * auth, the E2EE user-agent gate per profile, parameters from form, JSON and query, capabilities.
 */
import request from 'supertest';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CREDS,
  DESKTOP_UA,
  E2EE_V1,
  ocs,
  testServer,
  validBlob,
  type TestServer,
} from '../_support/server.js';
import { isE2eeClient, parseBasic } from '../../src/http/auth.js';
import { toProblem } from '../../src/problems.js';
import { E2eeFailure } from '../../src/e2ee/index.js';

let t: TestServer;
let t30: TestServer;
beforeAll(async () => {
  t = await testServer({ profile: 'nc32' });
  t30 = await testServer({ profile: 'nc30' });
});

const CAPS = '/ocs/v2.php/cloud/capabilities';

describe('OCS envelope', () => {
  it('E2EE-API-001: JSON with format=json or Accept: application/json, XML otherwise', async () => {
    const j = await request(t.app)
      .get(`${CAPS}`)
      .set('OCS-APIRequest', 'true')
      .set('Accept', 'application/json');
    expect(j.type).toBe('application/json');
    expect(j.body.ocs.meta).toEqual({ status: 'ok', statuscode: 200, message: 'OK' });
    // Logged in: anonymous callers get no E2EE capability (E2EE-API-011).
    const x = await request(t.app)
      .get(`${CAPS}`)
      .auth('alice', CREDS.alice.app)
      .set('OCS-APIRequest', 'true');
    expect(x.type).toBe('text/xml');
    const doc = new XMLParser({ parseTagValue: false }).parse(x.text);
    expect(doc.ocs.meta.statuscode).toBe('200');
    expect(doc.ocs.data.capabilities['end-to-end-encryption']['api-version']).toBe('2.0');
  });

  it('E2EE-API-002: v2 HTTP status equals statuscode; v1 answers 200 with 100 or the error code', async () => {
    const v2 = await ocs(t.app, 'get', `${E2EE_V1}/private-key`);
    expect([v2.status, v2.body.ocs.meta.statuscode, v2.body.ocs.meta.status]).toEqual([
      404,
      404,
      'failure',
    ]);
    const v1path = E2EE_V1.replace('/ocs/v2.php', '/ocs/v1.php');
    const v1 = await ocs(t.app, 'get', `${v1path}/private-key`);
    expect([v1.status, v1.body.ocs.meta.statuscode]).toEqual([200, 404]);
    const ok = await ocs(t.app, 'get', `${v1path}/server-key`);
    expect([ok.status, ok.body.ocs.meta.statuscode, ok.body.ocs.meta.totalitems]).toEqual([
      200,
      100,
      '',
    ]);
    const anon = await ocs(t.app, 'get', `${v1path}/private-key`, null);
    expect([anon.status, anon.body.ocs.meta.statuscode]).toEqual([401, 997]);
    const unknown = await ocs(t.app, 'get', '/ocs/v2.php/apps/nothing/here');
    expect(unknown.status).toBe(404);
  });

  it('E2EE-API-003: a request without OCS-APIRequest: true answers 412 and changes nothing', async () => {
    const before = t.store.fingerprint();
    const r = await request(t.app)
      .post(`${E2EE_V1}/private-key?format=json`)
      .auth('alice', CREDS.alice.app)
      .set('User-Agent', DESKTOP_UA)
      .type('form')
      .send({ privateKey: validBlob() });
    expect(r.status).toBe(412);
    expect(t.store.fingerprint()).toBe(before);
  });

  it('E2EE-API-004: login and app passwords authenticate; wrong or malformed credentials get 401/997', async () => {
    for (const pw of [CREDS.alice.login, CREDS.alice.app])
      expect(
        (await ocs(t.app, 'get', '/ocs/v2.php/cloud/user', ['alice', pw])).body.ocs.data.id,
      ).toBe('alice');
    for (const as of [
      ['alice', 'wrong'],
      ['alice', CREDS.bob.app],
      ['nobody', 'x'],
    ] as const) {
      const r = await ocs(t.app, 'get', '/ocs/v2.php/cloud/user', as);
      expect([r.status, r.body.ocs.meta.statuscode]).toEqual([401, 997]);
    }
    const bad = await request(t.app)
      .get(`${CAPS}?format=json`)
      .set('OCS-APIRequest', 'true')
      .set('Authorization', 'Basic !!!');
    expect(bad.status).toBe(401);
    expect(parseBasic('Basic ' + Buffer.from('a:b:c').toString('base64'))).toEqual({
      user: 'a',
      password: 'b:c',
    });
    expect(parseBasic('Bearer x')).toBe('malformed');
  });

  it('E2EE-API-006: the user-agent gate differs by profile', async () => {
    const call = (app: TestServer, ua: string, header: boolean) => {
      let r = request(app.app)
        .get(`${E2EE_V1}/server-key?format=json`)
        .set('OCS-APIRequest', 'true')
        .set('User-Agent', ua);
      if (header) r = r.set('X-E2EE-Supported', 'true');
      return r.then((x) => x.status);
    };
    const browser = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';
    const oldDesktop = 'Mozilla/5.0 (Linux) mirall/2.9.0';
    expect(await call(t, browser, false)).toBe(403);
    expect(await call(t, browser, true)).toBe(200);
    expect(await call(t, oldDesktop, true)).toBe(403);
    expect(await call(t, DESKTOP_UA, false)).toBe(200);
    expect(await call(t30, browser, true)).toBe(403);
    expect(await call(t30, DESKTOP_UA, false)).toBe(200);
    expect(isE2eeClient('Mozilla/5.0 (Android) Nextcloud-android/3.13.0', undefined, 'nc30')).toBe(
      true,
    );
    expect(isE2eeClient('Mozilla/5.0 (Android) Nextcloud-android/3.12.9', 'true', 'nc32')).toBe(
      false,
    );
    expect(isE2eeClient('Mozilla/5.0 (iOS) Nextcloud-iOS/3.0.5', undefined, 'nc30')).toBe(true);
    // As the app's UserAgentManager: version parts without leading zeros, the header exactly `true`.
    expect(isE2eeClient('Mozilla/5.0 (Linux) mirall/03.1.0', undefined, 'nc32')).toBe(false);
    expect(isE2eeClient('Mozilla/5.0 (Linux) mirall/3.14.0', undefined, 'nc32')).toBe(true);
    expect(isE2eeClient(browser, 'TRUE', 'nc32')).toBe(false);
    expect(isE2eeClient(browser, 'true', 'nc32')).toBe(true);
    // Capabilities and status are not gated.
    expect(
      (await request(t.app).get(CAPS).set('OCS-APIRequest', 'true').set('User-Agent', browser))
        .status,
    ).toBe(200);
  });

  it('E2EE-API-009: parameters come from a form or JSON body first, then from the query', async () => {
    const j = validBlob();
    await ocs(t.app, 'post', `${E2EE_V1}/private-key?privateKey=ignored`, ['bob', CREDS.bob.app])
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ privateKey: j }));
    expect(t.store.get('privateKeys', 'bob')!.blob).toBe(j);
    const q = validBlob();
    await ocs(t.app, 'post', `${E2EE_V1}/private-key?privateKey=${encodeURIComponent(q)}`);
    expect(t.store.get('privateKeys', 'alice')!.blob).toBe(q);
  });

  it('E2EE-API-007: malformed bodies and parameters give 4xx with a message, never 5xx, no change', async () => {
    const before = t.store.fingerprint();
    const cases = [
      ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .set('Content-Type', 'application/json')
        .send('{"csr": '),
      ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .set('Content-Type', 'application/json')
        .send('{"csr": ["a","b"]}'),
      ocs(t.app, 'post', `${E2EE_V1}/public-key`).type('form').send('csr=a&csr=b'),
      ocs(t.app, 'post', `${E2EE_V1}/public-key`).type('form').send(''),
      ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .set('Content-Type', 'application/json')
        .send('[1,2]'),
      ocs(t.app, 'get', `${E2EE_V1}/public-key?users=a&users=b`),
      ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ csr: 'x'.repeat(65 * 1024 * 1024) })),
    ];
    for (const c of cases) {
      const r = await c;
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.body.ocs.meta.message.length).toBeGreaterThan(0);
    }
    expect(t.store.fingerprint()).toBe(before);
  });

  it('E2EE-API-008: refusals name their error code in X-Sealfold-E2EE-Code', async () => {
    const r = await ocs(
      t.app,
      'get',
      `${E2EE_V1}/public-key?users=${encodeURIComponent('["ghost"]')}`,
    );
    expect(r.headers['x-sealfold-e2ee-code']).toBe('NOT_FOUND');
    expect(r.body.ocs.data).toEqual([]);
  });

  it('E2EE-LOCK-070: an engine failure that reaches the generic error mapping keeps its profile status', () => {
    const e = new E2eeFailure('LOCK_HELD_BY_OTHER', 'File already locked');
    expect(toProblem(e, 'nc30')).toEqual({
      status: 403,
      code: 'LOCK_CONFLICT',
      message: e.message,
    });
    expect(toProblem(e, 'nc32')).toEqual({
      status: 423,
      code: 'LOCK_CONFLICT',
      message: e.message,
    });
    expect(toProblem(new E2eeFailure('LOCK_COUNTER_NOT_GREATER', 'x'), 'nc30').status).toBe(500);
  });

  it('E2EE-API-010: the capability advertises api-version 2.0 in both profiles', async () => {
    for (const s of [t, t30]) {
      const r = await ocs(s.app, 'get', CAPS);
      expect(r.body.ocs.data.capabilities['end-to-end-encryption']).toMatchObject({
        enabled: true,
        'api-version': '2.0',
      });
      expect(r.body.ocs.data.version.major).toBe(s.config.profile === 'nc30' ? 30 : 32);
    }
    const status = await request(t30.app).get('/status.php');
    expect(status.body).toMatchObject({
      installed: true,
      productname: 'Nextcloud',
      versionstring: '30.0.17',
    });
  });
});
