/**
 * Sub-folder documents and their folders over real HTTP (spec/08-sharing.md §3.0): the mock
 * server behind a transport that swaps sub-folder documents or moves a sub-folder in its tree.
 * The client refuses what the read can detect (E2EE-SHARE-040, -041) and accepts exactly what
 * the spec names as the limit (E2EE-SHARE-042).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopFolder,
  enrol,
  makeSubfolder,
  openTopFolder,
  recover,
  uploadFile,
  type Device,
  type FolderHandle,
} from '../../src/client/index.js';
import { getMetadata } from '../../src/http/e2ee-api.js';
import type { ForkWitness } from '../../src/folders/index.js';
import type { HttpRequest, HttpResponse } from '../../src/http/index.js';
import { metadataAnswer, startMalicious, type MaliciousServer } from './_malicious.js';

const PASSWORDS = { alice: 'alice-pw' } as const;
const fastRetry = { attempts: 2, delayMs: 1, sleep: async () => undefined };

let server: MaliciousServer;
let alice: Device;
let mnemonic: string[];
let handle: FolderHandle;
let s1: string;
let s2: string;
let fileInS1: string;

const account = () => ({ baseUrl: server.url, userId: 'alice', password: PASSWORDS.alice });
const isGetMeta = (req: HttpRequest, fileId: string) =>
  req.method === 'GET' && new URL(req.url).pathname.endsWith(`/meta-data/${fileId}`);
const pathOf = (req: HttpRequest) => decodeURIComponent(new URL(req.url).pathname);

beforeAll(async () => {
  server = await startMalicious(PASSWORDS);
  const r = await enrol({ account: account(), transport: server.transport, retry: fastRetry });
  alice = r.device;
  mnemonic = r.mnemonic;
  handle = await createTopFolder(alice, 'top');
  ({ handle, folderId: s1 } = await makeSubfolder(alice, handle, 'one'));
  ({ handle, folderId: s2 } = await makeSubfolder(alice, handle, 'two'));
  ({ handle, fileId: fileInS1 } = await uploadFile(alice, handle, {
    filename: 'in-one.txt',
    content: new TextEncoder().encode('one'),
    folderId: s1,
  }));
});

afterAll(async () => {
  await server?.stop();
});

/** Serves S1's document for S2 and S2's for S1. */
async function swapSubfolders(): Promise<() => void> {
  const one = await getMetadata(alice.ctx, handle.locations[s1]!.fileId);
  const two = await getMetadata(alice.ctx, handle.locations[s2]!.fileId);
  const doc = (m: typeof one) => ({ document: m.document, signature: m.signature! });
  return server.rewrite((req, res) => {
    if (isGetMeta(req, handle.locations[s2]!.fileId)) return metadataAnswer(res, doc(one));
    if (isGetMeta(req, handle.locations[s1]!.fileId)) return metadataAnswer(res, doc(two));
    return undefined;
  });
}

describe('sub-folder documents bound to their folders, over HTTP', () => {
  it('E2EE-SHARE-040: a device that read both sub-folders refuses them swapped, and keeps its marks', async () => {
    const before = await alice.state.keys();
    const marks = await Promise.all(before.map((k) => alice.state.get(k)));
    const undo = await swapSubfolders();
    try {
      await expect(openTopFolder(alice, 'top')).rejects.toMatchObject({
        code: 'METADATA_MISPLACED',
      });
    } finally {
      undo();
    }
    expect(await Promise.all(before.map((k) => alice.state.get(k)))).toEqual(marks);
    await expect(openTopFolder(alice, 'top')).resolves.toBeDefined();
  });

  it('E2EE-SHARE-042: limit: a new device accepts the swapped sub-folder documents', async () => {
    const fresh = await recover({
      account: account(),
      transport: server.transport,
      mnemonic,
      retry: fastRetry,
    });
    const undo = await swapSubfolders();
    try {
      const opened = await openTopFolder(fresh, 'top');
      expect(opened.firstSight).toBe(true);
      expect(Object.keys(opened.state.docs[s2]!.files)).toEqual([fileInS1]);
    } finally {
      undo();
    }
  });

  it('E2EE-SHARE-041: a sub-folder the server shows under another parent than its document lists is METADATA_MISPLACED', async () => {
    // The server's tree: S2 moved below S1, while the root document still lists S2 directly.
    const responseOf = (xml: string, href: string) => {
      const blocks = xml.match(/<([A-Za-z0-9]+:)?response>[\s\S]*?<\/\1?response>/g) ?? [];
      return blocks.find((b) => b.includes(href));
    };
    let moved: string | undefined;
    const frame = { head: '', tail: '' };
    const undo = server.rewrite((req, res): HttpResponse | undefined => {
      if (req.method !== 'PROPFIND') return undefined;
      const path = pathOf(req).replace(/\/+$/, '');
      const xml = Buffer.from(res.body).toString('utf8');
      if (path.endsWith('/top')) {
        const block = responseOf(xml, `/top/${s2}`);
        if (block === undefined) return undefined;
        moved = block.replace(`/top/${s2}`, `/top/${s1}/${s2}`);
        const blocks = xml.match(/<([A-Za-z0-9]+:)?response>[\s\S]*?<\/\1?response>/g)!;
        const last = blocks[blocks.length - 1]!;
        frame.head = xml.slice(0, xml.indexOf(blocks[0]!));
        frame.tail = xml.slice(xml.lastIndexOf(last) + last.length);
        return { ...res, headers: {}, body: new TextEncoder().encode(xml.replace(block, '')) };
      }
      if (path.endsWith(`/top/${s1}`) && moved !== undefined) {
        const close = xml.lastIndexOf('</');
        const body = xml.slice(0, close) + moved + xml.slice(close);
        return { ...res, headers: {}, body: new TextEncoder().encode(body) };
      }
      if (path.endsWith(`/top/${s1}/${s2}`) && moved !== undefined) {
        // S2's own listing at its new place (the honest server has nothing there): itself only.
        const body = `${frame.head}${moved}${frame.tail}`;
        return { status: 207, headers: {}, body: new TextEncoder().encode(body) };
      }
      return undefined;
    });
    try {
      await expect(openTopFolder(alice, 'top')).rejects.toMatchObject({
        code: 'METADATA_MISPLACED',
      });
    } finally {
      undo();
    }
  });

  it('E2EE-META-076 E2EE-LOG-150: the fork witness of a device sees the heads it reads and the heads it writes, by file id', async () => {
    const seen: { origin: string; heads: { folderId: string; counter: number | null }[] }[] = [];
    const witness: ForkWitness = {
      witness: async (heads, origin) =>
        void seen.push({
          origin,
          heads: heads.map((h) => ({ folderId: h.folderId, counter: h.mark.counter })),
        }),
    };
    const watched: Device = { ...alice, witness };
    const opened = await openTopFolder(watched, 'top');
    const rootId = opened.state.rootId;
    const counter = opened.state.docs[rootId]!.counter;
    await uploadFile(watched, opened, { filename: 'w.txt', content: new Uint8Array([7]) });
    const written = seen.filter((s) => s.origin === 'written');
    expect(written.at(-1)!.heads).toEqual([{ folderId: rootId, counter: counter + 1 }]);
    const read = seen.filter((s) => s.origin === 'read');
    // Heads are named by the folders' server file ids, as a transparency log names them
    // (E2EE-LOG-150), not by the encrypted names the tree keys sub-folders by.
    const fileIds = [rootId, s1, s2].map((id) => opened.locations[id]!.fileId);
    expect(fileIds.slice(1)).not.toContain(s1);
    expect(read[0]!.heads.map((h) => h.folderId).sort()).toEqual(fileIds.sort());
  });
});
