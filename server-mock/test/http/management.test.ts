/**
 * The management interface: off by default, users and app passwords, reset, audit, state, CA.
 */
import request from 'supertest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  E2EE_V1,
  ocs,
  rsaKeyPair,
  testServer,
  validBlob,
  type TestServer,
} from '../_support/server.js';
import { MemoryStore } from '../../src/store/index.js';
import { loadUsersFile } from '../../src/users-file.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';

let on: TestServer;
let off: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'sealfold-mgmt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  const ca = rsaKeyPair().pkcs8;
  on = await testServer({ management: true }, ca);
  off = await testServer({}, ca);
});

describe('management interface', () => {
  it('E2EE-API-080: off by default: every management path answers 404', async () => {
    for (const [m, p] of [
      ['get', '/__sealfold/'],
      ['get', '/__sealfold/audit'],
      ['post', '/__sealfold/reset'],
      ['post', '/__sealfold/users'],
    ] as const)
      expect((await request(off.app)[m](p).send({})).status).toBe(404);
    expect((await request(on.app).get('/__sealfold/')).body.profile).toBe('nc32');
  });

  it('creates users with generated app passwords that authenticate', async () => {
    const r = await request(on.app)
      .post('/__sealfold/users')
      .send({ uid: 'erin', password: 'erin-pw', appPasswords: 2 });
    expect(r.status).toBe(201);
    expect(r.body.appPasswords).toHaveLength(2);
    expect(
      (await ocs(on.app, 'get', '/ocs/v2.php/cloud/user', ['erin', r.body.appPasswords[1]])).body
        .ocs.data.id,
    ).toBe('erin');
    expect(
      (await request(on.app).post('/__sealfold/users').send({ uid: 'erin', password: 'x' })).status,
    ).toBe(409);
    for (const bad of [
      { uid: 'a:b', password: 'x' },
      { uid: 'ok' },
      [],
      { uid: 'ok', password: 'x', appPasswords: 99 },
    ])
      expect((await request(on.app).post('/__sealfold/users').send(bad)).status).toBe(400);
    const extra = await request(on.app)
      .post('/__sealfold/users/erin/app-passwords')
      .send({ name: 'phone' });
    expect(extra.status).toBe(201);
    expect(
      (await request(on.app).post('/__sealfold/users/nobody/app-passwords').send({})).status,
    ).toBe(404);
    const list = await request(on.app).get('/__sealfold/users');
    expect(list.body.users.map((u: { uid: string }) => u.uid)).toEqual(['alice', 'bob', 'erin']);
    expect(JSON.stringify(list.body)).not.toMatch(/passwordHash|salt/);
  });

  it('E2EE-API-082: reset empties state in one transaction and is then the first audit record', async () => {
    await ocs(on.app, 'post', `${E2EE_V1}/private-key`)
      .type('form')
      .send({ privateKey: validBlob() });
    const kept = await request(on.app).post('/__sealfold/reset').send({ keepUsers: true });
    expect(kept.status).toBe(200);
    expect(on.store.list('privateKeys')).toEqual([]);
    expect((await ocs(on.app, 'get', '/ocs/v2.php/cloud/user')).body.ocs.data.id).toBe('alice');
    const auditLog = (await request(on.app).get('/__sealfold/audit')).body.entries;
    expect(auditLog).toHaveLength(1);
    expect(auditLog[0]).toMatchObject({
      seq: 1,
      action: 'state.reset',
      actor: 'management',
      details: { keepUsers: true },
    });
    await request(on.app).post('/__sealfold/reset').send({});
    expect(on.store.list('users')).toEqual([]);
    expect(
      (await request(on.app).post('/__sealfold/reset').send({ keepUsers: 'yes' })).status,
    ).toBe(400);
    const st = (await request(on.app).get('/__sealfold/state')).body;
    expect(st.fingerprint).toBe(on.store.fingerprint());
    expect((await request(on.app).get('/__sealfold/ca')).body.publicKeyPem).toMatch(
      /^-----BEGIN PUBLIC KEY-----/,
    );
    expect((await request(on.app).get('/__sealfold/audit?since=abc')).status).toBe(400);
  });

  it('E2EE-API-812: E2EE-API-814: the users file is validated first; existing users are left unchanged', () => {
    const store = new MemoryStore();
    const good = join(dir, 'u.json');
    writeFileSync(
      good,
      JSON.stringify({
        users: [
          { uid: 'a', password: 'p', appPasswords: [{ password: 'q' }] },
          { uid: 'b', password: 'p' },
        ],
      }),
    );
    expect(loadUsersFile(good, store, 1)).toEqual(['a', 'b']);
    const fp = store.fingerprint();
    expect(loadUsersFile(good, store, 2)).toEqual([]);
    expect(store.fingerprint()).toBe(fp);
    for (const doc of [
      '{',
      '{"users":[{"uid":"c","password":"p"},{"uid":"d"}]}',
      '{"users":[],"extra":1}',
    ]) {
      writeFileSync(good, doc);
      const e = (() => {
        try {
          loadUsersFile(good, store, 3);
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      expect(isSealfoldError(e, 'INPUT_MALFORMED')).toBe(true);
      expect(store.fingerprint()).toBe(fp);
    }
  });
});
