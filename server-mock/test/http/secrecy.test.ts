/**
 * Logs, audit records and error responses hold no secrets (E2EE-SEC-060..062, SRV-6): markers
 * are planted in passwords, private-key blobs, share tokens, lock tokens and malformed bodies, and
 * everything the server wrote is searched for them.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { E2EE_V1, ocs, rsaKeyPair, testServer, type TestServer } from '../_support/server.js';
import { users } from '../../src/store/index.js';
import { putLinkShare } from '../_support/shares.js';
import * as audit from '../../src/audit.js';
import { redactPath } from '../../src/log.js';

const M = {
  password: 'PwMarker7Qx',
  app: 'AppMarker9Zk',
  blob: 'BlobMarker4Vw',
  token: 'TokMarker2Jd',
  lock: 'LockMarker5Rt',
  body: 'BodyMarker8Hn',
};

let t: TestServer;
const responses: string[] = [];
beforeAll(async () => {
  t = await testServer({}, rsaKeyPair().pkcs8);
  t.store.transact((tx) => {
    users.createUser(tx, 1, { uid: 'dave', password: M.password });
    users.addAppPassword(tx, 1, 'dave', 'x', M.app);
    putLinkShare(tx, {
      id: 5,
      owner: 'dave',
      nodeId: t.store.get('users', 'alice')!.rootId,
      token: M.token,
      permissions: 1,
    });
  });
  const dave = ['dave', M.app] as const;
  const iv = Buffer.alloc(12, 1).toString('base64');
  const salt = Buffer.alloc(40, 2).toString('base64');
  const blob = `${M.blob}AAA|${iv}|${salt}`;
  const calls = [
    ocs(t.app, 'post', `${E2EE_V1}/private-key`, dave).type('form').send({ privateKey: blob }),
    ocs(t.app, 'post', `${E2EE_V1}/private-key`, dave).type('form').send({ privateKey: blob }),
    ocs(t.app, 'post', `${E2EE_V1}/private-key`, dave)
      .type('form')
      .send({ privateKey: `${M.blob}|x|y` }),
    ocs(t.app, 'post', `${E2EE_V1}/private-key`, dave)
      .type('form')
      .send({ privateKey: blob, shareToken: M.token }),
    ocs(t.app, 'get', `${E2EE_V1}/private-key?shareToken=${M.token}`, null),
    ocs(t.app, 'delete', `${E2EE_V1}/private-key`, ['dave', M.password]),
    ocs(t.app, 'get', `${E2EE_V1}/private-key`, ['dave', M.password + 'x']),
    ocs(t.app, 'post', `${E2EE_V1}/public-key`, dave)
      .set('Content-Type', 'application/json')
      .send(`{"csr": ${M.body}`),
    ocs(t.app, 'post', `${E2EE_V1}/public-key`, dave)
      .type('form')
      .send({
        csr: `-----BEGIN CERTIFICATE REQUEST-----\n${M.body}\n-----END CERTIFICATE REQUEST-----`,
      }),
    ocs(t.app, 'put', `${E2EE_V1}/public-key`, dave).type('form').send({ publicKey: M.body }),
    ocs(t.app, 'get', `${E2EE_V1}/public-key?users=${encodeURIComponent(`["${M.body}"]`)}`, dave),
    ocs(t.app, 'put', `${E2EE_V1}/meta-data/1?e2e-token=${M.lock}`, dave).set('e2e-token', M.lock),
    request(t.app).get(`/public.php/dav/files/${M.token}/x`),
    request(t.app).get(`/s/${M.token}`),
  ];
  for (const c of calls) {
    const r = await c;
    responses.push(r.text + JSON.stringify(r.headers));
  }
});

function leaks(text: string): string[] {
  return Object.values(M).filter((m) => text.includes(m));
}

describe('no secrets in logs, audit records or errors', () => {
  it('E2EE-SEC-060: the request log holds method, path, status, duration, user and a refusal code only', () => {
    expect(t.log.entries.length).toBeGreaterThanOrEqual(14);
    expect(leaks(JSON.stringify(t.log.entries))).toEqual([]);
    const fields = ['method', 'ms', 'path', 'status', 'type', 'user'];
    for (const e of t.log.entries.filter((x) => x.type === 'request')) {
      const refused = (e.status as number) >= 400;
      expect(Object.keys(e).sort()).toEqual(refused ? ['code', ...fields] : fields);
      if (refused) expect(e.code).toMatch(/^[A-Z_]+$/);
    }
    expect(redactPath(`/index.php/s/${M.token}/download?x=1`)).toBe('/index.php/s/*/download');
  });

  it('E2EE-SEC-061: audit records hold fingerprints and ids, never blobs, tokens or passwords', () => {
    const recs = audit.list(t.store);
    expect(recs.map((r) => r.action)).toEqual(
      expect.arrayContaining(['private-key.upload', 'private-key.delete']),
    );
    expect(recs.find((r) => r.object === 'share:5')).toBeDefined();
    expect(leaks(JSON.stringify(recs))).toEqual([]);
    expect(() =>
      t.store.transact((tx) =>
        audit.append(tx, {
          time: 1,
          actor: 'x',
          action: 'y',
          object: 'z',
          details: { k: 'A'.repeat(200) },
        }),
      ),
    ).toThrow(TypeError);
  });

  it('E2EE-SEC-062: error responses never echo request content', () => {
    // Successful key reads return the stored blob by design; only refusals are checked.
    const refusals = responses.filter((r) => /"status":"failure"|"error":/.test(r));
    expect(refusals.length).toBeGreaterThanOrEqual(8);
    for (const r of refusals) expect(leaks(r)).toEqual([]);
  });
});
