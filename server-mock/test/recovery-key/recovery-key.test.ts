/**
 * Publication of the recovery key by the mock (spec/20-recovery-key.md §3.1): byte-exact
 * statement, 404 when none, audit records for enable/change/disable, refusal of private keys
 * and of anything that is not a statement, and the capability.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ocs, rsaKeyPair, testServer, type TestServer } from '../_support/server.js';
import { containsPrivateKey } from '../../src/recovery-key/private-key-scan.js';
import { toBase64 } from '../../../reference/src/bytes/index.js';
import { adminKeys, statementFor } from '../../../reference/test/recovery-key/_fixtures.js';
import { nextTestKey } from '../../../reference/test/_support/test-keys.js';

const V2 = '/ocs/v2.php/apps/end_to_end_encryption/api/v2/recovery-key';
const keys = adminKeys();
let srv: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'sealfold-rkey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  srv = await testServer({ management: true }, rsaKeyPair().pkcs8);
});

const put = (statement: unknown) =>
  request(srv.app).put('/__sealfold/recovery-key').send({ statement });
const auditOf = async () =>
  (
    (await request(srv.app).get('/__sealfold/audit?object=recovery-key')).body as {
      entries: { action: string; details: Record<string, unknown> }[];
    }
  ).entries;

describe('recovery-key publication', () => {
  it('E2EE-RKEY-040: 404 before enabling; the capability advertises the extension', async () => {
    expect((await ocs(srv.app, 'get', V2)).status).toBe(404);
    const cap = await ocs(srv.app, 'get', '/ocs/v2.php/cloud/capabilities');
    expect(
      cap.body.ocs.data.capabilities['end-to-end-encryption']['sealfold-recovery-key'],
    ).toEqual({ version: 1 });
  });

  it('E2EE-RKEY-040 E2EE-RKEY-042: enable, change and disable: served byte-exact and audited', async () => {
    // Unusual but valid whitespace outside the signed bytes: the server must keep it.
    const s1 = statementFor(keys).replace('{', '{ ');
    expect((await put(s1)).status).toBe(200);
    const r = await ocs(srv.app, 'get', V2);
    expect(r.status).toBe(200);
    expect(r.body.ocs.data.statement).toBe(s1);
    // Every user gets the same bytes.
    const bob = await ocs(srv.app, 'get', V2, ['bob', 'bob-app-pw']);
    expect(bob.body.ocs.data.statement).toBe(s1);
    const s2 = statementFor(keys, { serial: 2 });
    expect((await put(s2)).status).toBe(200);
    expect((await ocs(srv.app, 'get', V2)).body.ocs.data.statement).toBe(s2);
    expect((await request(srv.app).delete('/__sealfold/recovery-key')).status).toBe(200);
    expect((await ocs(srv.app, 'get', V2)).status).toBe(404);
    const entries = await auditOf();
    expect(entries.map((e) => e.action)).toEqual([
      'recovery-key.enable',
      'recovery-key.change',
      'recovery-key.disable',
    ]);
    expect(entries[1]!.details).toMatchObject({ serial: 2 });
    expect(typeof entries[0]!.details.recoveryKeySha256).toBe('string');
    // The audit log holds no statement bytes.
    expect(JSON.stringify(entries)).not.toContain(JSON.parse(s1).signature);
  });

  it('E2EE-RKEY-041: a statement carrying a private key, or no statement, is refused and nothing stored', async () => {
    const pkcs8 = toBase64(keys.recoveryPkcs8);
    const pem = createPrivateKey({
      key: Buffer.from(keys.recoveryPkcs8),
      format: 'der',
      type: 'pkcs8',
    })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const good = JSON.parse(statementFor(keys)) as Record<string, string>;
    const pkcs1 = toBase64(
      new Uint8Array(
        nextTestKey().export({
          format: 'der',
          type: 'pkcs1',
        }),
      ),
    );
    for (const bad of [
      // Well-formed, validly signed statements whose free text carries a private key: only the
      // scan refuses these.
      statementFor(keys, { purpose: pem }),
      statementFor(keys, { issuer: pkcs8 }),
      statementFor(keys, { scopeUsers: [pkcs1] }),
      JSON.stringify({ ...good, privateKey: pkcs8 }),
      JSON.stringify({ ...good, note: pem }),
      JSON.stringify({ ...good, signerKey: pkcs1 }),
      JSON.stringify({
        ...good,
        policy: toBase64(new TextEncoder().encode(JSON.stringify({ k: pkcs8 }))),
      }),
    ]) {
      expect(containsPrivateKey(bad)).toBe(true);
      const r = await put(bad);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).not.toContain(pkcs8.slice(0, 40));
    }
    for (const bad of ['{}', 'not json', JSON.stringify({ ...good, signature: undefined })])
      expect((await put(bad)).status).toBe(400);
    expect((await ocs(srv.app, 'get', V2)).status).toBe(404);
    expect(containsPrivateKey(statementFor(keys))).toBe(false);
  });

  it('E2EE-RKEY-040: anonymous callers get no statement', async () => {
    expect((await put(statementFor(keys))).status).toBe(200);
    expect((await ocs(srv.app, 'get', V2, null)).status).toBe(401);
    await request(srv.app).delete('/__sealfold/recovery-key');
  });
});
