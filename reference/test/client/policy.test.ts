/**
 * Client policies that need a misbehaving server: a fake transport answers the few requests
 * each test makes, so one rule is checked at a time.
 */
import { describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import { enrol, openTopFolder, recover, type Device } from '../../src/client/index.js';
import { lockFolder } from '../../src/http/e2ee-api.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import { MemoryStateStore } from '../../src/state/index.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../src/http/index.js';
import { nextTestKey } from '../_support/test-keys.js';

const account = { baseUrl: 'http://127.0.0.1:9', userId: 'alice', password: 'pw' };

function ocs(data: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers,
    body: new TextEncoder().encode(
      JSON.stringify({ ocs: { meta: { status: 'ok', statuscode: status, message: '' }, data } }),
    ),
  };
}

function serverKeyPem(): string {
  return createPublicKey(nextTestKey()).export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

/** A fake server: `routes` maps "METHOD path-suffix" to an answer. */
function fake(routes: Record<string, (req: HttpRequest) => HttpResponse>): HttpTransport {
  return async (req) => {
    const path = new URL(req.url).pathname;
    for (const [k, answer] of Object.entries(routes)) {
      const [method, suffix] = k.split(' ');
      if (req.method === method && path.endsWith(suffix!)) return answer(req);
    }
    return ocs(null, 404);
  };
}

const capability = (apiVersion: string) => () =>
  ocs({
    capabilities: {
      'end-to-end-encryption': { enabled: true, 'api-version': apiVersion, 'keys-exist': false },
    },
  });

describe('client policies', () => {
  it('E2EE-API-301: refuses a server that offers only E2EE API 1.x, before sending any key material', async () => {
    const seen: string[] = [];
    const transport: HttpTransport = async (req) => {
      seen.push(`${req.method} ${new URL(req.url).pathname}`);
      return capability('1.2')();
    };
    await expect(enrol({ account, transport })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(seen).toEqual(['GET /ocs/v2.php/cloud/capabilities']);
  });

  it('E2EE-API-303: pins the server key on first contact and refuses a different one later', async () => {
    const pins = new MemoryPinStore();
    let key = serverKeyPem();
    const transport = fake({
      'GET /cloud/capabilities': capability('2.0'),
      'GET /server-key': () => ocs({ 'public-key': key }),
      'GET /public-key': () => ocs(null, 404),
    });
    // First contact pins the key, then fails later (no certificate): the pin stays.
    await expect(recover({ account, transport, pins, mnemonic: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    key = serverKeyPem();
    await expect(recover({ account, transport, pins, mnemonic: 'x' })).rejects.toMatchObject({
      code: 'KEY_CHANGED',
    });
  });

  it('E2EE-API-309: refuses a 2.x document served without its signature', async () => {
    const device: Device = {
      ctx: {
        account,
        transport: fake({
          'PROPFIND /e2e': () => ({
            status: 207,
            headers: {},
            body: new TextEncoder().encode(
              `<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:response><d:href>/remote.php/dav/files/alice/e2e/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><oc:fileid>7</oc:fileid></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`,
            ),
          }),
          'GET /meta-data/7': () => ocs({ 'meta-data': '{"metadata":{},"version":"2.0"}' }),
        }),
      },
      userId: 'alice',
      privateKey: new Uint8Array(0),
      certificate: '',
      serverPublicKey: new Uint8Array(0),
      pins: new MemoryPinStore(),
      state: new MemoryStateStore(),
      rng: () => new Uint8Array(0),
      retry: { attempts: 1, delayMs: 0, sleep: async () => undefined },
    };
    await expect(openTopFolder(device, 'e2e')).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });
    expect(await device.state.keys()).toEqual([]);
  });

  it('E2EE-API-307: reads the lock answers of app 1.14–1.16 (403 "File already locked", 500 for a stale counter) as LOCK_CONFLICT', async () => {
    const answer =
      (status: number, message: string): HttpTransport =>
      async () => ({
        ...ocs(null, status),
        body: new TextEncoder().encode(
          JSON.stringify({
            ocs: { meta: { status: 'failure', statuscode: status, message }, data: [] },
          }),
        ),
      });
    const lock = (t: HttpTransport) => lockFolder({ account, transport: t }, '7', 2);
    await expect(lock(answer(403, 'File already locked'))).rejects.toMatchObject({
      code: 'LOCK_CONFLICT',
    });
    await expect(lock(answer(500, 'Internal Server Error'))).rejects.toMatchObject({
      code: 'LOCK_CONFLICT',
    });
    await expect(lock(answer(423, 'File already locked'))).rejects.toMatchObject({
      code: 'LOCK_CONFLICT',
    });
    await expect(lock(answer(412, 'counter'))).rejects.toMatchObject({ code: 'LOCK_CONFLICT' });
    await expect(lock(answer(403, 'Forbidden'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
