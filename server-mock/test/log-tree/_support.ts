/**
 * Helpers of the transparency-log tests: a full mock app with the log on, requests to the log
 * resources, and the encrypted-folder commit sequence of the E2EE API (MKCOL, flag, lock, POST
 * meta-data, unlock).
 */
import request from 'supertest';
import type { Express } from 'express';
import {
  CREDS,
  DESKTOP_UA,
  E2EE_V1,
  ocs,
  testServer,
  type TestServer,
} from '../_support/server.js';
import type { HttpTransport } from '../../../reference/src/http/index.js';
import { parseCheckpointText } from '../../../reference/src/log/index.js';
import { openNote, parseVerifierKey } from '../../../reference/src/log/index.js';
import { decodeLogEntry, type LogEntry } from '../../../reference/src/log/index.js';

export const ORIGIN = 'sealfold.test/log';

/**
 * The reference client's HTTP transport answered in-process by `app` (no socket); `seen` gets
 * every request as `METHOD /path`.
 */
export function appTransport(app: Express, seen: string[] = []): HttpTransport {
  return async (req) => {
    const url = new URL(req.url);
    seen.push(`${req.method} ${url.pathname}`);
    const method = req.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
    let r = request(app)[method](url.pathname + url.search);
    for (const [k, v] of Object.entries(req.headers)) r = r.set(k, v);
    // superagent serialises a Buffer as an object for form and JSON types: send text as text.
    const type = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'content-type');
    if (req.body !== undefined)
      r = r.send(
        /form|json|text/.test(type?.[1] ?? '')
          ? Buffer.from(req.body).toString('utf8')
          : Buffer.from(req.body),
      );
    const res = await r.buffer(true).parse((s, cb) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    return {
      status: res.status,
      headers: res.headers as Record<string, string>,
      body: new Uint8Array(res.body as Buffer),
    };
  };
}
const E2EE_V2 = E2EE_V1.replace('/v1', '/v2');
type Uid = keyof typeof CREDS;

export async function logServer(
  extra: Record<string, unknown> = {},
  caPkcs8?: Uint8Array,
): Promise<TestServer> {
  return testServer(
    { transparencyLog: ORIGIN, management: true, requestLog: false, ...extra },
    caPkcs8,
  );
}

/** GET a log resource as `uid`, body as bytes. */
export async function getLog(app: Express, path: string, uid: Uid = 'alice') {
  const res = await request(app)
    .get(`/sealfold-log${path}`)
    .auth(uid, CREDS[uid].app)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  return { status: res.status, body: res.body as Buffer };
}

/** The capability's verifier key and the current checkpoint of `uid`, verified. */
export async function checkpointOf(app: Express, uid: Uid = 'alice') {
  const cap = await ocs(app, 'get', '/ocs/v2.php/cloud/capabilities', [uid, CREDS[uid].app]);
  const tl = cap.body.ocs.data.capabilities['end-to-end-encryption']['transparency-log'];
  const key = parseVerifierKey(tl['verifier-key']);
  const note = (await getLog(app, '/checkpoint', uid)).body.toString('utf8');
  const { text } = openNote(note, [key]);
  return { ...parseCheckpointText(text), note, key };
}

/** Entries [0, size) as `uid` sees them, from the entry bundles. */
export async function entriesOf(
  app: Express,
  size: number,
  uid: Uid = 'alice',
): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for (let n = 0; n * 256 < size; n++) {
    const w = Math.min(256, size - n * 256);
    const idx = String(n).padStart(3, '0');
    const res = await getLog(app, `/tile/entries/${idx}${w < 256 ? `.p/${w}` : ''}`, uid);
    if (res.status !== 200) throw new Error(`bundle ${n}: ${res.status}`);
    let off = 0;
    while (off < res.body.length) {
      const len = res.body.readUInt16BE(off);
      out.push(decodeLogEntry(new Uint8Array(res.body.subarray(off + 2, off + 2 + len))));
      off += 2 + len;
    }
  }
  return out;
}

function e2ee(app: Express, method: 'get' | 'post' | 'put' | 'delete', path: string, uid: Uid) {
  const agent = request(app);
  return agent[method](`${E2EE_V2}${path}${path.includes('?') ? '&' : '?'}format=json`)
    .set('OCS-APIRequest', 'true')
    .set('User-Agent', DESKTOP_UA)
    .auth(uid, CREDS[uid].app);
}

/** Creates an encrypted top folder `name` of `uid` and commits `doc` at counter 1; its id. */
export async function newFolder(
  app: Express,
  name: string,
  doc: string,
  uid: Uid = 'alice',
): Promise<number> {
  const res = await (request(app) as unknown as Record<string, (u: string) => request.Test>)[
    'mkcol'
  ]!(`/remote.php/dav/files/${uid}/${name}`)
    .set('User-Agent', DESKTOP_UA)
    .auth(uid, CREDS[uid].app);
  if (res.status !== 201) throw new Error(`MKCOL ${res.status}`);
  const id = Number(/^(\d+)/.exec(String(res.headers['oc-fileid']))?.[1]);
  if ((await e2ee(app, 'put', `/encrypted/${id}`, uid)).status !== 200) throw new Error('flag');
  await commit(app, id, 1, doc, 'post', uid);
  return id;
}

/** lock(counter) → POST/PUT meta-data → unlock, as `uid`. */
export async function commit(
  app: Express,
  id: number,
  counter: number,
  doc: string,
  method: 'post' | 'put' = 'put',
  uid: Uid = 'alice',
): Promise<void> {
  const l = await e2ee(app, 'post', `/lock/${id}`, uid).set('X-NC-E2EE-COUNTER', String(counter));
  if (l.status !== 200) throw new Error(`lock ${l.status} ${l.text}`);
  const token = l.body.ocs.data['e2e-token'] as string;
  const w = await e2ee(app, method, `/meta-data/${id}`, uid)
    .set('e2e-token', token)
    .set('X-NC-E2EE-SIGNATURE', 'c2lnbmF0dXJl')
    .type('form')
    .send({ metaData: doc });
  if (w.status !== 200) throw new Error(`meta ${w.status} ${w.text}`);
  const u = await e2ee(app, 'delete', `/lock/${id}`, uid).set('e2e-token', token);
  if (u.status !== 200) throw new Error(`unlock ${u.status} ${u.text}`);
}
