/**
 * Brute-force protection (SRV-11): failed logins per login name and address, unknown share tokens
 * per address; and the `no-brute-force-limit` fault that turns it off.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREDS, E2EE_V1, ocs, rsaKeyPair, testServer } from '../_support/server.js';
import { BRUTE_FORCE_LIMIT, BRUTE_FORCE_WINDOW_MS } from '../../src/http/_brute-force.js';

let ca: Uint8Array;
beforeAll(() => {
  ca = rsaKeyPair().pkcs8;
});

const me = (s: Awaited<ReturnType<typeof testServer>>, user: string, password: string) =>
  ocs(s.app, 'get', '/ocs/v2.php/cloud/user', [user, password]);

describe('failed logins (E2EE-API-052)', () => {
  it('E2EE-API-052: the 11th attempt of a login name is 429 with Retry-After, even with the right password', async () => {
    const s = await testServer({}, ca);
    for (let i = 0; i < BRUTE_FORCE_LIMIT; i++)
      expect((await me(s, 'alice', `wrong-${i}`)).status).toBe(401);
    const throttled = await me(s, 'alice', CREDS.alice.login);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBe(BRUTE_FORCE_WINDOW_MS / 1000);
    // Another login name from the same address is not affected.
    expect((await me(s, 'bob', CREDS.bob.app)).status).toBe(200);
    // The window slides: once the failures are older than 600 s, the password is checked again.
    s.clock.t += BRUTE_FORCE_WINDOW_MS;
    expect((await me(s, 'alice', CREDS.alice.login)).status).toBe(200);
  });

  it('E2EE-API-052: fewer failures than the limit leave the login usable', async () => {
    const s = await testServer({}, ca);
    for (let i = 0; i < BRUTE_FORCE_LIMIT - 1; i++) await me(s, 'alice', `wrong-${i}`);
    expect((await me(s, 'alice', CREDS.alice.app)).status).toBe(200);
  });

  it('E2EE-API-052: the no-brute-force-limit fault never throttles', async () => {
    const s = await testServer({ faults: ['no-brute-force-limit'] }, ca);
    for (let i = 0; i < BRUTE_FORCE_LIMIT + 5; i++)
      expect((await me(s, 'alice', `wrong-${i}`)).status).toBe(401);
    expect((await me(s, 'alice', CREDS.alice.login)).status).toBe(200);
  });
});

describe('share-token guessing (E2EE-API-053)', () => {
  const guess = (s: Awaited<ReturnType<typeof testServer>>, token: string) =>
    ocs(s.app, 'get', `${E2EE_V1}/private-key`, null).set('X-NC-E2EE-SHARE-TOKEN', token);

  it('E2EE-API-053: after 10 unknown tokens the address gets 429 with Retry-After', async () => {
    const s = await testServer({}, ca);
    for (let i = 0; i < BRUTE_FORCE_LIMIT; i++)
      expect((await guess(s, `guess${i}`)).status).toBe(404);
    const throttled = await guess(s, 'guess-next');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    s.clock.t += BRUTE_FORCE_WINDOW_MS;
    expect((await guess(s, 'guess-later')).status).toBe(404);
  });

  it('E2EE-API-053: the filedrop upload counts and honours the same limit', async () => {
    const s = await testServer({}, ca);
    const drop = (token: string) =>
      request(s.app)
        .put('/ocs/v2.php/apps/end_to_end_encryption/api/v2/meta-data/1/filedrop?format=json')
        .set('OCS-APIRequest', 'true')
        .set('X-NC-E2EE-SHARE-TOKEN', token)
        .type('form')
        .send({ filedrop: '{"a":{}}' });
    for (let i = 0; i < BRUTE_FORCE_LIMIT; i++) expect((await drop(`t${i}`)).status).toBe(403);
    expect((await drop('t-next')).status).toBe(429);
  });

  it('E2EE-API-053: the no-brute-force-limit fault never throttles', async () => {
    const s = await testServer({ faults: ['no-brute-force-limit'] }, ca);
    for (let i = 0; i < BRUTE_FORCE_LIMIT + 3; i++)
      expect((await guess(s, `guess${i}`)).status).toBe(404);
  });
});
