/**
 * Fault switches: off unless set, named at start, switchable through the management API, and each
 * breaking the requirement it names at the place that enforces it. That every switch makes the
 * matching conformance check fail is shown in `conformance/test/faults.test.ts`.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREDS, E2EE_V1, ocs, rsaKeyPair, testServer, validBlob } from './_support/server.js';
import { describeConfig, parseConfig } from '../src/config.js';
import { FAULT_NAMES, FAULTS, faultSwitches, NO_FAULTS } from '../src/faults.js';
import { isSealfoldError } from '../../reference/src/errors/index.js';

let ca: Uint8Array;
beforeAll(() => {
  ca = rsaKeyPair().pkcs8;
});

describe('fault switches (E2EE-API-827..829)', () => {
  it('E2EE-API-827: E2EE-API-828: E2EE-API-829: off unless set; unknown names are refused; those on are named at start', () => {
    expect(parseConfig().faults).toEqual([]);
    expect(describeConfig(parseConfig()).join('\n')).not.toMatch(/FAULT/);
    let err: unknown;
    try {
      parseConfig({ faults: ['commit-on-abort', 'no-such-fault'] });
    } catch (e) {
      err = e;
    }
    expect(isSealfoldError(err) && err.code).toBe('INPUT_MALFORMED');
    const c = parseConfig({ faults: ['ignore-lock-token', 'commit-on-abort'] });
    // In the order of the closed list, whatever the order given.
    expect(c.faults).toEqual(['ignore-lock-token', 'commit-on-abort']);
    const banner = describeConfig(c).filter((l) => l.startsWith('FAULT '));
    expect(banner).toEqual([
      `FAULT ignore-lock-token: ${FAULTS['ignore-lock-token'].description} (breaks E2EE-LOCK-002)`,
      `FAULT commit-on-abort: ${FAULTS['commit-on-abort'].description} (breaks E2EE-LOCK-055)`,
    ]);
  });

  it('E2EE-API-828: every switch names an existing requirement ID', () => {
    for (const name of FAULT_NAMES) expect(FAULTS[name].breaks).toMatch(/^E2EE-[A-Z]+-\d{3}$/);
    const s = faultSwitches(['commit-on-abort']);
    expect(s.on('commit-on-abort')).toBe(true);
    expect(s.on('ignore-lock-token')).toBe(false);
    expect(NO_FAULTS.on('commit-on-abort')).toBe(false);
    expect(() => NO_FAULTS.set(['commit-on-abort'])).toThrow(TypeError);
  });

  it('E2EE-API-827: E2EE-API-829: GET/POST /__sealfold/faults list and set the switches; unknown names change nothing', async () => {
    const s = await testServer({ management: true }, ca);
    const api = request(s.app);
    const listed = await api.get('/__sealfold/faults');
    expect(listed.body.active).toEqual([]);
    expect(listed.body.known.map((k: { name: string }) => k.name)).toEqual(FAULT_NAMES);
    expect(
      (await api.post('/__sealfold/faults').send({ active: ['accept-second-private-key', 'x'] }))
        .status,
    ).toBe(400);
    expect((await api.get('/__sealfold/faults')).body.active).toEqual([]);

    // Off: a second private key is 409 (E2EE-API-811). On: it replaces the first.
    const post = () => ocs(s.app, 'post', `${E2EE_V1}/private-key`).type('form');
    expect((await post().send({ privateKey: validBlob() })).status).toBe(200);
    expect((await post().send({ privateKey: validBlob() })).status).toBe(409);
    const set = await api
      .post('/__sealfold/faults')
      .send({ active: ['accept-second-private-key'] });
    expect(set.body.active).toEqual(['accept-second-private-key']);
    const second = validBlob();
    expect((await post().send({ privateKey: second })).status).toBe(200);
    expect((await ocs(s.app, 'get', `${E2EE_V1}/private-key`)).body.ocs.data['private-key']).toBe(
      second,
    );
    await api.post('/__sealfold/faults').send({ active: [] });
    expect((await post().send({ privateKey: validBlob() })).status).toBe(409);
  });

  it('E2EE-API-827: a switch set at start is on from the first request', async () => {
    const s = await testServer({ faults: ['reset-without-confirmation'] }, ca);
    await ocs(s.app, 'post', `${E2EE_V1}/private-key`)
      .type('form')
      .send({ privateKey: validBlob() });
    // An app password now deletes the key (E2EE-API-060 broken on purpose).
    expect((await ocs(s.app, 'delete', `${E2EE_V1}/private-key`)).status).toBe(200);
  });
});

describe('request history (E2EE-API-084)', () => {
  it('E2EE-API-084 E2EE-SEC-060: /__sealfold/requests shows the log as written, without credentials', async () => {
    const s = await testServer({ management: true }, ca);
    await ocs(s.app, 'get', `${E2EE_V1}/private-key`);
    const { entries } = (await request(s.app).get('/__sealfold/requests')).body;
    const hit = entries.find((e: { path: string }) => e.path.endsWith('/private-key'));
    expect(hit).toMatchObject({ type: 'request', method: 'GET', status: 404, user: 'alice' });
    expect(JSON.stringify(entries)).not.toContain('Basic ');
    // The same entries the logger got (it has one more by now: the GET /requests itself).
    expect(s.log.entries.slice(0, entries.length)).toEqual(entries);
  });

  it('E2EE-SEC-060: the leak-authorization-in-log fault puts the Authorization header into the log', async () => {
    const s = await testServer({ management: true, faults: ['leak-authorization-in-log'] }, ca);
    await ocs(s.app, 'get', `${E2EE_V1}/private-key`);
    const basic = `Basic ${Buffer.from(`alice:${CREDS.alice.app}`).toString('base64')}`;
    expect(JSON.stringify((await request(s.app).get('/__sealfold/requests')).body)).toContain(
      basic,
    );
  });
});

describe('stale-lock TTL through the management API (E2EE-API-085)', () => {
  it('E2EE-API-085: POST /__sealfold/lock-ttl sets the TTL in force; bad values change nothing', async () => {
    const s = await testServer({ management: true, lockTtlSeconds: 600 }, ca);
    const api = request(s.app);
    expect((await api.get('/__sealfold/lock-ttl')).body).toEqual({ seconds: 600 });
    for (const seconds of [0, -1, 1.5, '5', 31_536_001])
      expect((await api.post('/__sealfold/lock-ttl').send({ seconds })).status).toBe(400);
    expect((await api.get('/__sealfold/lock-ttl')).body).toEqual({ seconds: 600 });
    const set = await api.post('/__sealfold/lock-ttl').send({ seconds: 2 });
    expect(set.body).toEqual({ seconds: 2, previous: 600 });
    expect((await api.get('/__sealfold/lock-ttl')).body).toEqual({ seconds: 2 });
  });
});
