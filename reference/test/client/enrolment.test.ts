/**
 * Enrolment against a server that answers the CSR with a certificate for a key of its own:
 * the enrolment fails and leaves the user's identity unpinned (E2EE-API-313, E2EE-SEC-804).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { enrol } from '../../src/client/index.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../src/http/index.js';
import {
  makeIdentity,
  makeServerKey,
  type Identity,
  type ServerKey,
} from '../_support/identities.js';

const account = { baseUrl: 'http://127.0.0.1:9', userId: 'alice', password: 'pw' };

function ocs(data: unknown, status = 200): HttpResponse {
  return {
    status,
    headers: {},
    body: new TextEncoder().encode(
      JSON.stringify({ ocs: { meta: { status: 'ok', statuscode: status, message: '' }, data } }),
    ),
  };
}

/** A server whose CA answers every CSR with `issued`; records the requests it saw. */
function server(key: ServerKey, issued: Identity, seen: string[]): HttpTransport {
  return async (req: HttpRequest) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path.split('/').pop()}`);
    if (path.endsWith('/cloud/capabilities'))
      return ocs({
        capabilities: {
          'end-to-end-encryption': { enabled: true, 'api-version': '2.0', 'keys-exist': false },
        },
      });
    if (path.endsWith('/server-key')) return ocs({ 'public-key': key.publicKeyPem });
    if (req.method === 'POST' && path.endsWith('/public-key'))
      return ocs({ 'public-key': issued.certPem });
    return ocs(null, 404);
  };
}

describe('client enrolment against a certificate for another key', () => {
  let key: ServerKey;
  let attackers: Identity;
  beforeAll(async () => {
    key = makeServerKey();
    attackers = await makeIdentity('alice', key);
  });

  it("E2EE-API-313: E2EE-API-302: a CA-valid certificate for the server's key is KEY_MISMATCH and pins nothing for the user", async () => {
    const pins = new MemoryPinStore();
    const seen: string[] = [];
    await expect(
      enrol({ account, transport: server(key, attackers, seen), pins }),
    ).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
    expect(await pins.get('user:alice')).toBeUndefined();
    // The server key was pinned on first contact (E2EE-API-303); no private key was uploaded.
    expect(await pins.get(`server:${account.baseUrl}`)).toMatchObject({ kind: 'server-key' });
    expect(seen).not.toContain('POST private-key');
  });
});
