/**
 * `fetchFolderExport`: the folder as the server serves it over HTTP (spec/20-recovery-key.md §6),
 * against a scripted transport so each way a server can misdescribe a folder is pinned. The end
 * to end run against the mock is in cli/test/recovery-key-api-hsm.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../src/http/index.js';
import { fetchFolderExport, type FolderExport } from '../../src/recovery-key/index.js';

const ROOT = '/remote.php/dav/files/alice';
const enc = (t: string) => new TextEncoder().encode(t);

interface Node {
  id: string;
  /** Children by name; a Uint8Array is a file. */
  children: Record<string, Node | Uint8Array>;
  /** Absent: the folder has no metadata (404). */
  doc?: string;
}

/** A transport serving `tree` under `/Work`, with `extra` hrefs added to the top PROPFIND. */
function server(tree: Node, extra: string[] = []): (req: HttpRequest) => Promise<HttpResponse> {
  const byPath = new Map<string, Node | Uint8Array>();
  const byId = new Map<string, Node>();
  const index = (path: string, n: Node | Uint8Array) => {
    byPath.set(path, n);
    if (n instanceof Uint8Array) return;
    byId.set(n.id, n);
    for (const [name, c] of Object.entries(n.children)) index(`${path}/${name}`, c);
  };
  index('Work', tree);
  const entry = (path: string, n: Node | Uint8Array) =>
    `<d:response><d:href>${ROOT}/${path}${n instanceof Uint8Array ? '' : '/'}</d:href><d:propstat><d:prop>` +
    (n instanceof Uint8Array
      ? `<d:resourcetype/><oc:fileid>9${n.length}</oc:fileid>`
      : `<d:resourcetype><d:collection/></d:resourcetype><oc:fileid>${n.id}</oc:fileid><nc:is-encrypted>1</nc:is-encrypted>`) +
    `</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
  return async (req) => {
    const url = new URL(req.url);
    const json = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
      status,
      headers,
      body: enc(JSON.stringify({ ocs: { meta: { statuscode: status }, data } })),
    });
    const meta = /\/meta-data\/(\d+)$/.exec(url.pathname);
    if (meta !== null) {
      const n = byId.get(meta[1]!);
      if (n?.doc === undefined) return json(404, {});
      return json(200, { 'meta-data': n.doc }, { 'x-nc-e2ee-signature': `sig-${n.id}` });
    }
    const path = decodeURIComponent(url.pathname.slice(ROOT.length + 1));
    const n = byPath.get(path);
    if (n === undefined) return { status: 404, headers: {}, body: new Uint8Array() };
    if (req.method === 'GET' && n instanceof Uint8Array)
      return { status: 200, headers: {}, body: n };
    if (req.method !== 'PROPFIND' || n instanceof Uint8Array)
      throw new Error(`${req.method} ${path}`);
    const rows = [
      entry(path, n),
      ...Object.entries(n.children).map(([k, c]) => entry(`${path}/${k}`, c)),
    ];
    if (path === 'Work') rows.push(...extra);
    const xml = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">${rows.join('')}</d:multistatus>`;
    return { status: 207, headers: {}, body: enc(xml) };
  };
}

const ctx = (transport: ReturnType<typeof server>) => ({
  account: { baseUrl: 'http://127.0.0.1:1', userId: 'alice', password: 'pw' },
  transport,
});

const TREE: Node = {
  id: '10',
  doc: 'root-doc',
  children: {
    aaa: enc('body-a'),
    sub: { id: '11', doc: 'sub-doc', children: { bbb: enc('body-b') } },
    bare: { id: '12', children: {} },
  },
};

describe('fetchFolderExport', () => {
  it('E2EE-RKEY-125: reads documents, signatures and bodies by server name; a sub-folder without metadata is left out', async () => {
    const f = await fetchFolderExport(ctx(server(TREE)), '/Work/');
    expect(f).toMatchObject({ id: '10', document: 'root-doc', signature: 'sig-10' });
    expect([...f.objects.keys()].sort()).toEqual(['aaa', 'sub']);
    expect(new TextDecoder().decode(f.objects.get('aaa') as Uint8Array)).toBe('body-a');
    const sub = f.objects.get('sub') as FolderExport;
    expect(sub).toMatchObject({ id: '11', document: 'sub-doc', signature: 'sig-11' });
    expect(new TextDecoder().decode(sub.objects.get('bbb') as Uint8Array)).toBe('body-b');
  });

  it('E2EE-RKEY-125: a PROPFIND that lists something other than a direct child is SERVER_RESPONSE_MALFORMED', async () => {
    const grandchild = `<d:response><d:href>${ROOT}/Work/sub/bbb</d:href><d:propstat><d:prop><d:resourcetype/><oc:fileid>99</oc:fileid></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
    await expect(fetchFolderExport(ctx(server(TREE, [grandchild])), 'Work')).rejects.toMatchObject({
      code: 'SERVER_RESPONSE_MALFORMED',
    });
  });

  it('E2EE-RKEY-125: the top folder without metadata is NOT_FOUND; limits bound what a server can make it fetch', async () => {
    await expect(
      fetchFolderExport(ctx(server({ ...TREE, doc: undefined } as Node)), 'Work'),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      fetchFolderExport(ctx(server(TREE)), 'Work', { maxObjects: 2 }),
    ).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
    await expect(
      fetchFolderExport(ctx(server(TREE)), 'Work', { maxDepth: 0 }),
    ).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
  });
});
