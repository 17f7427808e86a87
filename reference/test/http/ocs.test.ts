import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { codeForStatus, ocsCall, type ClientContext } from '../../src/http/ocs.js';
import { parseMultistatus } from '../../src/http/webdav.js';
import type { HttpTransport } from '../../src/http/transport.js';
import { E2EE_CODES } from '../../src/errors/index.js';

const envelope = (status: number, data: unknown, message = 'OK') =>
  new TextEncoder().encode(
    JSON.stringify({ ocs: { meta: { status: 'ok', statuscode: status, message }, data } }),
  );

function ctxWith(transport: HttpTransport): ClientContext {
  return {
    account: { baseUrl: 'http://127.0.0.1:1', userId: 'alice', password: 'app-pass-MARKER' },
    transport,
  };
}

describe('OCS client', () => {
  it('E2EE-API-300: sends the OCS, auth and E2EE headers and returns data', async () => {
    let seen: Record<string, string> = {};
    const ctx = ctxWith(async (req) => {
      seen = req.headers;
      expect(new URL(req.url).searchParams.get('format')).toBe('json');
      return { status: 200, headers: {}, body: envelope(200, { x: 1 }) };
    });
    const r = await ocsCall(ctx, { method: 'GET', path: '/ocs/v2.php/cloud/capabilities' });
    expect(r.data).toEqual({ x: 1 });
    expect(seen['ocs-apirequest']).toBe('true');
    expect(seen['x-e2ee-supported']).toBe('true');
    expect(seen['user-agent']).toMatch(/^Mozilla\/5\.0 \([A-Za-z ]+\) mirall\/3\.\d+\.\d+/);
    expect(seen.authorization).toMatch(/^Basic /);
  });

  it('E2EE-API-300: maps every HTTP status to a code from the closed list; never an untyped error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 599 }),
        fc.boolean(),
        async (status, validBody) => {
          const ctx = ctxWith(async () => ({
            status,
            headers: {},
            body: validBody ? envelope(status, null, 'nope') : new TextEncoder().encode('<html>'),
          }));
          try {
            await ocsCall(ctx, { method: 'GET', path: '/x' });
            expect(status >= 200 && status < 300 && validBody).toBe(true);
          } catch (e: any) {
            expect(E2EE_CODES).toContain(e.code);
            expect(String(e.message)).not.toContain('MARKER');
          }
        },
      ),
    );
    expect(codeForStatus(423)).toBe('LOCK_CONFLICT');
    expect(codeForStatus(409)).toBe('ALREADY_EXISTS');
    expect(codeForStatus(503)).toBe('SERVER_ERROR');
  });
});

describe('WebDAV multistatus', () => {
  it('reads file ids, folders and the encrypted flag, ignoring non-200 propstats', () => {
    const xml = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
 <d:response><d:href>/remote.php/dav/files/alice/e2e/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><oc:fileid>12</oc:fileid><nc:is-encrypted>1</nc:is-encrypted><d:getetag>"e1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><oc:size/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/remote.php/dav/files/alice/e2e/0a1b2c</d:href>
  <d:propstat><d:prop><d:resourcetype/><oc:fileid>13</oc:fileid><d:getcontentlength>42</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
 </d:response>
</d:multistatus>`;
    expect(parseMultistatus(xml, '/remote.php/dav/files/alice')).toEqual([
      { path: 'e2e', fileId: '12', isFolder: true, isEncrypted: true, size: 0, etag: '"e1"' },
      { path: 'e2e/0a1b2c', fileId: '13', isFolder: false, isEncrypted: false, size: 42, etag: '' },
    ]);
  });

  it('rejects non-XML and hrefs outside the user root with SERVER_RESPONSE_MALFORMED', () => {
    expect(() => parseMultistatus('not xml <', '/r')).toThrow(
      expect.objectContaining({ code: 'SERVER_RESPONSE_MALFORMED' }),
    );
    const outside =
      '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/other/x</d:href></d:response></d:multistatus>';
    expect(() => parseMultistatus(outside, '/r')).toThrow(
      expect.objectContaining({ code: 'SERVER_RESPONSE_MALFORMED' }),
    );
  });
});
