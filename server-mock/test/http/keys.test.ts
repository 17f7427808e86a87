/**
 * The key endpoints, every status code of both profiles: public-key (GET/POST/PUT/DELETE),
 * private-key (GET/POST/DELETE), server-key; password confirmation; link-share keys; audit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CREDS,
  E2EE_V1,
  csrFor,
  keySeeds,
  ocs,
  rsaKeyPair,
  testServer,
  validBlob,
  type KeySeeds,
  type TestServer,
} from '../_support/server.js';
import { parseCertificate, verifyUserCertificate } from '../../../reference/src/certs/index.js';
import { pemEncode } from '../../../reference/src/pem/index.js';
import * as audit from '../../src/audit.js';
import { users } from '../../src/store/index.js';
import { putLinkShare } from '../_support/shares.js';

const ALICE_LOGIN = ['alice', CREDS.alice.login] as const;
const BOB = ['bob', CREDS.bob.app] as const;

let aliceKey: KeySeeds['alice'];
let bobKey: KeySeeds['bob'];
let caKey: KeySeeds['ca'];
let aliceCsr: string;
let bobCsr: string;
beforeAll(async () => {
  ({ alice: aliceKey, bob: bobKey, ca: caKey, aliceCsr, bobCsr } = await keySeeds());
});

for (const profile of ['nc30', 'nc32'] as const) {
  describe(`key endpoints (${profile})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await testServer({ profile }, caKey.pkcs8);
    });
    const fp = () => t.store.fingerprint();

    it('E2EE-API-024 E2EE-CERT-060: POST public-key issues a certificate, stores it and audits it', async () => {
      const r = await ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .type('form')
        .send({ csr: aliceCsr });
      expect(r.status).toBe(200);
      const pem = r.body.ocs.data['public-key'] as string;
      const cert = verifyUserCertificate({
        certificate: pem,
        serverPublicKey: caKey.spki,
        userId: 'alice',
      });
      expect(cert.serialHex).toBe('0');
      const rec = audit.list(t.store).filter((a) => a.action === 'certificate.issue');
      expect(rec).toHaveLength(1);
      expect(rec[0]).toMatchObject({
        actor: 'alice',
        object: 'user:alice',
        certFingerprint: cert.fingerprint,
      });
      expect(rec[0]!.details).toMatchObject({ serial: '0', ca: 'software' });
    });

    it('E2EE-API-022: a second POST or a PUT answers 409 and changes nothing (SRV-1)', async () => {
      const before = fp();
      const csr2 = await csrFor(bobKey.pkcs8, 'alice');
      const r = await ocs(t.app, 'post', `${E2EE_V1}/public-key`).type('form').send({ csr: csr2 });
      expect(r.status).toBe(409);
      expect(r.headers['x-sealfold-e2ee-code']).toBe('ALREADY_EXISTS');
      const p = await ocs(t.app, 'put', `${E2EE_V1}/public-key`)
        .type('form')
        .send({ publicKey: 'x' });
      expect(p.status).toBe(409);
      expect(fp()).toBe(before);
    });

    it('E2EE-API-020: GET public-key returns the caller plus the requested users, byte-exact', async () => {
      await ocs(t.app, 'post', `${E2EE_V1}/public-key`, BOB).type('form').send({ csr: bobCsr });
      const stored = t.store.get('publicKeys', 'bob')!.certificatePem;
      const r = await ocs(
        t.app,
        'get',
        `${E2EE_V1}/public-key?users=${encodeURIComponent('["bob"]')}`,
      );
      expect(r.status).toBe(200);
      expect(Object.keys(r.body.ocs.data['public-keys']).sort()).toEqual(['alice', 'bob']);
      expect(r.body.ocs.data['public-keys'].bob).toBe(stored);
      const own = await ocs(t.app, 'get', `${E2EE_V1}/public-key`, BOB);
      expect(Object.keys(own.body.ocs.data['public-keys'])).toEqual(['bob']);
    });

    it('E2EE-API-021: GET public-key answers 404 for a user without a key and 400 for a bad users list', async () => {
      expect(
        (await ocs(t.app, 'get', `${E2EE_V1}/public-key?users=${encodeURIComponent('["nobody"]')}`))
          .status,
      ).toBe(404);
      for (const bad of ['nope', '{"a":1}', '[1,2]', '"alice"'])
        expect(
          (await ocs(t.app, 'get', `${E2EE_V1}/public-key?users=${encodeURIComponent(bad)}`))
            .status,
        ).toBe(400);
    });

    it('E2EE-API-005: key endpoints answer 401 to anonymous requests', async () => {
      for (const [m, p] of [
        ['get', 'public-key'],
        ['post', 'public-key'],
        ['put', 'public-key'],
        ['delete', 'public-key'],
        ['get', 'private-key'],
        ['post', 'private-key'],
        ['delete', 'private-key'],
      ] as const) {
        const r = await ocs(t.app, m, `${E2EE_V1}/${p}`, null);
        expect(r.status, `${m} ${p}`).toBe(401);
        expect(r.body.ocs.meta.statuscode).toBe(997);
      }
    });

    it('E2EE-API-809: E2EE-API-810: E2EE-API-811: private key stored verbatim, returned byte-exact, 409 on a second POST', async () => {
      const blob = validBlob();
      const r = await ocs(t.app, 'post', `${E2EE_V1}/private-key`)
        .type('form')
        .send({ privateKey: blob });
      expect(r.status).toBe(200);
      expect(r.body.ocs.data['private-key']).toBe(blob);
      const g = await ocs(t.app, 'get', `${E2EE_V1}/private-key`);
      expect(g.body.ocs.data['private-key']).toBe(blob);
      const before = fp();
      const again = await ocs(t.app, 'post', `${E2EE_V1}/private-key`)
        .type('form')
        .send({ privateKey: validBlob() });
      expect(again.status).toBe(409);
      expect(fp()).toBe(before);
    });

    it('E2EE-API-011: keys-exist is true exactly when both keys are stored; anonymous callers get no capability', async () => {
      const cap = async (as: readonly [string, string] | null) =>
        (await ocs(t.app, 'get', '/ocs/v2.php/cloud/capabilities', as)).body.ocs.data.capabilities[
          'end-to-end-encryption'
        ];
      expect(await cap(['alice', CREDS.alice.app])).toEqual({
        enabled: true,
        'api-version': '2.0',
        'keys-exist': true,
        'sealfold-recovery-key': { version: 1 },
      });
      expect((await cap(BOB))['keys-exist']).toBe(false); // bob has a certificate only
      expect(await cap(null)).toBeUndefined();
    });

    it('E2EE-API-041: the private-key format check depends on the profile', async () => {
      const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
      const cases: [string, boolean][] = [
        [validBlob(), true],
        [`${b64(30)}|${b64(12).replace(/=+$/, '')}|${b64(40).replace(/=+$/, '')}`, true], // padding optional
        [`${b64(30)}|${b64(12)}|${b64(40)}\n`, true], // whitespace skipped
        [`${b64(30)}|${b64(16)}|${b64(40)}`, false], // iOS 16-byte IV
        [`${b64(30)}|${b64(12)}|${b64(32)}`, false],
        [`${b64(30)}fA==${b64(12)}fA==${b64(40)}`, false], // legacy separator
        [`${b64(30)}|${b64(12)}|${b64(40)}|x`, false],
        [`a*b|${b64(12)}|${b64(40)}`, false],
        [`${b64(30)}|${b64(12)}=|${b64(40)}`, false], // inconsistent padding
        ['-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', false],
      ];
      for (const [i, [blob, valid]] of cases.entries()) {
        const u = `blob-${profile}-${i}`;
        await addUser(t, u); // a fresh user per case, so that 409 never masks the format check
        const before = fp();
        const r = await ocs(t.app, 'post', `${E2EE_V1}/private-key`, [u, 'pw-' + u])
          .type('form')
          .send({ privateKey: blob });
        const expected = profile === 'nc30' || valid ? 200 : 400;
        expect(r.status, JSON.stringify(blob)).toBe(expected);
        if (expected === 400) {
          expect(r.body.ocs.meta.message).toBe('Invalid private key format');
          expect(r.headers['x-sealfold-e2ee-code']).toBe('KEY_BLOB_MALFORMED');
          expect(fp()).toBe(before);
        }
      }
    });

    it('E2EE-API-043: no endpoint takes an unwrapped private key or a mnemonic; nc32 refuses a PEM key', async () => {
      const pem = pemEncode('PRIVATE KEY', bobKey.pkcs8);
      await addUser(t, 'pemuser');
      const r = await ocs(t.app, 'post', `${E2EE_V1}/private-key`, ['pemuser', 'pw-pemuser'])
        .type('form')
        .send({ privateKey: pem });
      if (profile === 'nc32') expect(r.status).toBe(400);
      for (const p of ['mnemonic', 'private-key/plain', 'recovery'])
        expect(
          (await ocs(t.app, 'post', `${E2EE_V1}/${p}`).type('form').send({ mnemonic: 'x' })).status,
        ).toBe(404);
    });

    it(`E2EE-API-060, E2EE-API-420: ${profile === 'nc30' ? 'an app password deletes keys (no confirmation before app 1.17.3)' : 'deleting keys needs the login password; an app password gets 403 and changes nothing'}`, async () => {
      if (profile === 'nc30') {
        // A user of its own, so that alice's keys stay for the tests below.
        await addUser(t, 'nc30del');
        const up = await ocs(t.app, 'post', `${E2EE_V1}/private-key`, ['nc30del', 'pw-nc30del'])
          .type('form')
          .send({ privateKey: validBlob() });
        expect(up.status).toBe(200);
        const app = t.store.transact((tx) =>
          users.addAppPassword(tx, Date.now(), 'nc30del', 'device'),
        );
        const r = await ocs(t.app, 'delete', `${E2EE_V1}/private-key`, ['nc30del', app]);
        expect(r.status).toBe(200);
        expect(t.store.get('privateKeys', 'nc30del')).toBeUndefined();
        return;
      }
      const before = fp();
      for (const p of ['public-key', 'private-key']) {
        const r = await ocs(t.app, 'delete', `${E2EE_V1}/${p}`);
        expect(r.status).toBe(403);
        expect(r.body.ocs.meta.message).toBe('Password confirmation is required');
      }
      expect(fp()).toBe(before);
    });

    it('E2EE-API-026 E2EE-API-042 E2EE-API-061: DELETE removes the key and audits it; a second DELETE answers 200 and audits nothing', async () => {
      const certFp = t.store.get('publicKeys', 'alice')!.fingerprint;
      for (const p of ['public-key', 'private-key']) {
        const r = await ocs(t.app, 'delete', `${E2EE_V1}/${p}`, ALICE_LOGIN);
        expect(r.status).toBe(200);
        expect(r.body.ocs.data).toEqual([]);
        const again = await ocs(t.app, 'delete', `${E2EE_V1}/${p}`, ALICE_LOGIN);
        expect(again.status).toBe(200);
        expect(again.body.ocs.data).toEqual([]);
      }
      expect((await ocs(t.app, 'get', `${E2EE_V1}/private-key`)).status).toBe(404);
      const actions = audit.list(t.store, { actor: 'alice' }).map((a) => a.action);
      expect(actions).toEqual([
        'certificate.issue',
        'private-key.upload',
        'public-key.delete',
        'private-key.delete',
      ]);
      expect(audit.list(t.store, { actor: 'alice' })[2]!.certFingerprint).toBe(certFp);
    });

    it('E2EE-API-024 E2EE-CERT-052: a CSR for another CN answers 403 and issues nothing (SRV-2)', async () => {
      const before = fp();
      const r = await ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .type('form')
        .send({ csr: bobCsr });
      expect(r.status).toBe(403);
      expect(r.headers['x-sealfold-e2ee-code']).toBe('CERT_USER_MISMATCH');
      expect(fp()).toBe(before);
    });

    it('E2EE-API-024 E2EE-CERT-051: a malformed CSR or a missing csr answers 400', async () => {
      const before = fp();
      for (const csr of [
        '',
        'garbage',
        aliceCsr.replace('REQUEST', 'REQUESTX'),
        aliceCsr.slice(0, 200),
      ]) {
        const r = await ocs(t.app, 'post', `${E2EE_V1}/public-key`).type('form').send({ csr });
        expect(r.status, csr.slice(0, 20)).toBe(400);
      }
      expect(fp()).toBe(before);
    });

    it('E2EE-API-023: PUT public-key stores a certificate naming the user, 400 otherwise', async () => {
      await addUser(t, 'carol');
      const carol = ['carol', 'pw-carol'] as const;
      const bobPem = t.store.get('publicKeys', 'bob')!.certificatePem;
      expect(
        (
          await ocs(t.app, 'put', `${E2EE_V1}/public-key`, carol)
            .type('form')
            .send({ publicKey: 'nope' })
        ).status,
      ).toBe(400);
      const mism = await ocs(t.app, 'put', `${E2EE_V1}/public-key`, carol)
        .type('form')
        .send({ publicKey: bobPem });
      expect(mism.status).toBe(400);
      expect(mism.headers['x-sealfold-e2ee-code']).toBe('CERT_USER_MISMATCH');
      // A token certificate for carol (issued by another CA: the server does not judge the issuer).
      const other = await testServer({}, rsaKeyPair().pkcs8);
      await addUser(other, 'carol');
      const carolCsr = await csrFor(aliceKey.pkcs8, 'carol');
      const tokenCert = (
        await ocs(other.app, 'post', `${E2EE_V1}/public-key`, carol)
          .type('form')
          .send({ csr: carolCsr })
      ).body.ocs.data['public-key'] as string;
      const ok = await ocs(t.app, 'put', `${E2EE_V1}/public-key`, carol)
        .type('form')
        .send({ publicKey: tokenCert });
      expect(ok.status).toBe(200);
      expect(ok.body.ocs.data['public-key']).toBe(tokenCert);
      expect(t.store.get('publicKeys', 'carol')).toMatchObject({
        source: 'uploaded',
        certificatePem: tokenCert,
      });
      expect(audit.list(t.store, { actor: 'carol' }).map((a) => a.action)).toEqual([
        'public-key.upload',
      ]);
    });

    it('E2EE-API-050: server-key is the CA SPKI as PEM, also anonymously', async () => {
      const r = await ocs(t.app, 'get', `${E2EE_V1}/server-key`, null);
      expect(r.status).toBe(200);
      expect(r.body.ocs.data['public-key']).toBe(pemEncode('PUBLIC KEY', caKey.spki));
    });

    it('E2EE-API-051: anonymous server-key requests are limited to 6 per 600 s (sliding, refusals not counted); authenticated ones are not', async () => {
      const s = await testServer({ profile }, caKey.pkcs8);
      const anon = () => ocs(s.app, 'get', `${E2EE_V1}/server-key`, null);
      const t0 = s.clock.t;
      for (let i = 0; i < 6; i++) expect((await anon()).status).toBe(200);
      const before = s.store.fingerprint();
      const refused = await anon();
      expect(refused.status).toBe(429);
      expect(refused.headers['x-sealfold-e2ee-code']).toBe('FORBIDDEN');
      expect(refused.body.ocs.data).toEqual([]);
      expect(s.store.fingerprint()).toBe(before);
      for (let i = 0; i < 8; i++)
        expect((await ocs(s.app, 'get', `${E2EE_V1}/server-key`, BOB)).status).toBe(200);
      s.clock.t = t0 + 300_000;
      expect((await anon()).status).toBe(429);
      s.clock.t = t0 + 599_999;
      expect((await anon()).status).toBe(429);
      s.clock.t = t0 + 600_000;
      for (let i = 0; i < 6; i++) expect((await anon()).status).toBe(200);
      expect((await anon()).status).toBe(429);
    });

    it('E2EE-API-025 E2EE-API-044: link-share keys belong to the share owner; the token reads the private key', async () => {
      t.store.transact((tx) =>
        putLinkShare(tx, {
          id: 77,
          owner: 'bob',
          nodeId: t.store.get('users', 'bob')!.rootId,
          token: 'TOKENabc123',
          permissions: 1,
        }),
      );
      const before = fp();
      const shareCsr = await csrFor(aliceKey.pkcs8, 's:TOKENabc123');
      const foreign = await ocs(t.app, 'post', `${E2EE_V1}/public-key`)
        .type('form')
        .send({ csr: shareCsr, shareToken: 'TOKENabc123' });
      expect(foreign.status).toBe(403);
      const foreignPk = await ocs(t.app, 'post', `${E2EE_V1}/private-key`)
        .type('form')
        .send({ privateKey: validBlob(), shareToken: 'TOKENabc123' });
      expect(foreignPk.status).toBe(403);
      expect(fp()).toBe(before);
      const ok = await ocs(t.app, 'post', `${E2EE_V1}/public-key`, BOB)
        .type('form')
        .send({ csr: shareCsr, shareToken: 'TOKENabc123' });
      expect(ok.status).toBe(200);
      expect(parseCertificate(ok.body.ocs.data['public-key']).subjectCn).toBe('s:TOKENabc123');
      const blob = validBlob();
      expect(
        (
          await ocs(t.app, 'post', `${E2EE_V1}/private-key`, BOB)
            .type('form')
            .send({ privateKey: blob, shareToken: 'TOKENabc123' })
        ).status,
      ).toBe(200);
      const anon = await ocs(t.app, 'get', `${E2EE_V1}/private-key`, null).set(
        'X-NC-E2EE-SHARE-TOKEN',
        'TOKENabc123',
      );
      expect(anon.status).toBe(200);
      expect(anon.body.ocs.data['private-key']).toBe(blob);
      expect(
        (
          await ocs(t.app, 'get', `${E2EE_V1}/private-key`, null).set(
            'X-NC-E2EE-SHARE-TOKEN',
            'WRONG',
          )
        ).status,
      ).toBe(404);
      const rec = audit.list(t.store, { object: 'share:77' });
      expect(rec.map((a) => a.action)).toEqual(['certificate.issue', 'private-key.upload']);
      expect(JSON.stringify(rec)).not.toContain('TOKENabc123');
    });
  });
}

/** Adds a user `uid` with login password `pw-<uid>` (and no app password). */
async function addUser(t: TestServer, uid: string): Promise<void> {
  t.store.transact((tx) => users.createUser(tx, t.clock.now(), { uid, password: `pw-${uid}` }));
}

describe('issuance races and account reset', () => {
  it('E2EE-CERT-056: two concurrent issuances for one user: exactly one stored, the other 409', async () => {
    const t = await testServer({}, caKey.pkcs8);
    const csr2 = await csrFor(bobKey.pkcs8, 'alice');
    const [a, b] = await Promise.all([
      ocs(t.app, 'post', `${E2EE_V1}/public-key`).type('form').send({ csr: aliceCsr }),
      ocs(t.app, 'post', `${E2EE_V1}/public-key`).type('form').send({ csr: csr2 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? a : b;
    expect(t.store.get('publicKeys', 'alice')!.certificatePem).toBe(
      winner.body.ocs.data['public-key'],
    );
    expect(audit.list(t.store).filter((x) => x.action === 'certificate.issue')).toHaveLength(1);
  });

  it('E2EE-API-060: the account reset DELETE encrypted-files also needs the login password', async () => {
    const t = await testServer({}, caKey.pkcs8);
    const before = t.store.fingerprint();
    const r = await ocs(t.app, 'delete', `${E2EE_V1}/encrypted-files`);
    expect(r.status).toBe(403);
    expect(t.store.fingerprint()).toBe(before);
    expect((await ocs(t.app, 'delete', `${E2EE_V1}/encrypted-files`, ALICE_LOGIN)).status).toBe(
      200,
    );
  });
});

describe('anonymous GET public-key by profile', () => {
  for (const profile of ['nc30', 'nc32', 'nc33'] as const) {
    it(`E2EE-API-432 E2EE-API-005: ${profile} ${profile === 'nc33' ? 'serves' : 'refuses (401)'} an anonymous public-key lookup`, async () => {
      const t = await testServer({ profile }, caKey.pkcs8);
      await ocs(t.app, 'post', `${E2EE_V1}/public-key`, BOB).type('form').send({ csr: bobCsr });
      const lookup = (users: string) =>
        ocs(t.app, 'get', `${E2EE_V1}/public-key?users=${encodeURIComponent(users)}`, null);
      const r = await lookup('["bob"]');
      if (profile !== 'nc33') {
        expect(r.status).toBe(401);
        return;
      }
      expect(r.status).toBe(200);
      // No current user is added: only the named users' certificates.
      expect(r.body.ocs.data['public-keys']).toEqual({
        bob: t.store.get('publicKeys', 'bob')!.certificatePem,
      });
      expect((await lookup('["bob","nobody"]')).status).toBe(404);
      expect((await lookup('{"a":1}')).status).toBe(400);
      const caps = await ocs(t.app, 'get', '/ocs/v2.php/cloud/capabilities', BOB);
      expect(caps.body.ocs.data.capabilities['end-to-end-encryption']['api-version']).toBe('2.1');
    });
  }
});
