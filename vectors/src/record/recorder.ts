/**
 * The recorder: the reference client (`reference/src/client`) against the mock server
 * (`server-mock`, started in process, real HTTP on loopback), with the server's answers to the
 * reading client rewritten by attack rules (the approach of reference/test/client/_malicious.ts:
 * the server is the adversary). It records what the reader was served — documents, signatures,
 * file bodies — and the reader's own verdict, as {@link RecordedRun}s.
 *
 * Determinism: the CA key is the committed `vectors/keys/server.pem`, the server's clock and the
 * clients' signing clock are the generator's fixed instant, every client draws randomness from a
 * seeded stream (metadata keys, nonces, file keys, object ids and the RSA-OAEP seeds), users sign
 * with committed keys, the mock hands out file ids in sequence and certificates with serial 0.
 * Passwords are test constants of this file. The same seed therefore records the same bytes.
 *
 * @module
 */
import {
  certificateToPem,
  createCsr,
  csrToPem,
  MemoryPinStore,
  verifyUserCertificate,
} from '../../../reference/src/certs/index.js';
import { publicKeyFromPem } from '../../../reference/src/keys/index.js';
import { MemoryStateStore } from '../../../reference/src/state/index.js';
import {
  fetchTransport,
  e2ee,
  type HttpRequest,
  type HttpResponse,
} from '../../../reference/src/http/index.js';
import type { Device } from '../../../reference/src/client/index.js';
import { parseConfig } from '../../../server-mock/src/config.js';
import { startServer, type RunningServer } from '../../../server-mock/src/main.js';
import { openSoftwareCa } from '../../../server-mock/src/ca/software.js';
import { MANAGEMENT_PREFIX } from '../../../server-mock/src/config.js';
import type { GenContext, InputKey } from '../context.js';
import type { Served } from '../types/scenario.js';

/** Rewrites one answer to the reader; `undefined` leaves it as the server sent it. */
export type Rewrite = (req: HttpRequest, res: HttpResponse) => HttpResponse | undefined;

/** What the reader was served since the last {@link Reader.take}. */
export interface Capture {
  /** Metadata documents by server file id. */
  readonly documents: Map<string, Served>;
  /** File bodies by the last path segment (the file's object id). */
  readonly bodies: Map<string, Uint8Array>;
  /** Metadata documents the device uploaded (POST/PUT), by server file id, in upload order. */
  readonly uploads: Map<string, Served>;
}

/** A reading device whose transport records and may rewrite what the server answers. */
export interface Reader {
  readonly device: Device;
  /** Installs a rewrite for the following requests (until {@link Reader.honest}). */
  rewrite(rule: Rewrite): void;
  honest(): void;
  /** Returns and clears what was served since the last call. */
  take(): Capture;
}

export interface Recorder {
  readonly url: string;
  /** A fresh device of `userId` (new pins and marks), drawing randomness from `label`'s stream. */
  writer(userId: string, label: string): Device;
  reader(userId: string, label: string): Reader;
  /** Installs one of the mock's attack switches (`POST /__sealfold/attacks`). */
  attack(install: Record<string, unknown>): Promise<void>;
  /** The certificate the server issued to `userId`, PEM. */
  certificate(userId: string): string;
  stop(): Promise<void>;
}

/** Test passwords of the recorder's accounts (not secrets: the server lives for one generation). */
const password = (userId: string) => `recorder-${userId}-password`;

const FAST_RETRY = { attempts: 3, delayMs: 1, sleep: async () => undefined };

async function managementUser(url: string, uid: string): Promise<void> {
  const res = await fetch(`${url}${MANAGEMENT_PREFIX}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid, password: password(uid) }),
  });
  if (!res.ok) throw new Error(`recorder: creating ${uid} failed with HTTP ${res.status}`);
}

function ocsDocument(res: HttpResponse): Served | undefined {
  const signature = res.headers['x-nc-e2ee-signature'];
  if (res.status !== 200 || signature === undefined) return undefined;
  const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
    ocs?: { data?: { 'meta-data'?: unknown } };
  };
  const doc = body.ocs?.data?.['meta-data'];
  return typeof doc === 'string' ? { documentWire: doc, signatureWire: signature } : undefined;
}

const META = /\/apps\/end_to_end_encryption\/api\/v2\/meta-data\/([^/?]+)$/;

/** Starts the mock with the committed CA key and enrols `users` with their committed keys. */
export async function startRecorder(ctx: GenContext, users: readonly string[]): Promise<Recorder> {
  const server: RunningServer = await startServer(
    parseConfig({
      host: '127.0.0.1',
      port: 0,
      dataDir: null,
      management: true,
      requestLog: false,
    }),
    {
      clock: { now: () => ctx.now.getTime() },
      ca: await openSoftwareCa({ dataDir: null, pkcs8: ctx.key('server').pkcs8 }),
    },
  );
  const certificates = new Map<string, string>();
  try {
    for (const uid of users) {
      await managementUser(server.url, uid);
      const key: InputKey = ctx.key(uid);
      const account = { baseUrl: server.url, userId: uid, password: password(uid) };
      const serverPublicKey = publicKeyFromPem(await e2ee.getServerKey({ account }));
      const issued = await e2ee.submitCsr({ account }, csrToPem(await createCsr(key.pkcs8, uid)));
      const cert = verifyUserCertificate({ certificate: issued, serverPublicKey, userId: uid });
      certificates.set(uid, certificateToPem(cert.der));
    }
  } catch (e) {
    await server.close();
    throw e;
  }

  const device = (userId: string, label: string, transport = fetchTransport): Device => {
    const account = { baseUrl: server.url, userId, password: password(userId) };
    const key = ctx.key(userId);
    return {
      ctx: { account, transport },
      userId,
      privateKey: key.pkcs8,
      certificate: certificates.get(userId)!,
      // The server key is the committed one: the CA was opened with it.
      serverPublicKey: ctx.key('server').spki,
      pins: new MemoryPinStore(),
      state: new MemoryStateStore(),
      rng: ctx.rng(label),
      now: () => ctx.now,
      retry: FAST_RETRY,
    };
  };

  return {
    url: server.url,
    writer: (userId, label) => device(userId, label),
    reader(userId, label) {
      const rules: Rewrite[] = [];
      let documents = new Map<string, Served>();
      let bodies = new Map<string, Uint8Array>();
      let uploads = new Map<string, Served>();
      const transport = async (req: HttpRequest): Promise<HttpResponse> => {
        const upload = META.exec(new URL(req.url).pathname);
        if ((req.method === 'POST' || req.method === 'PUT') && upload !== null && req.body) {
          const documentWire = new URLSearchParams(Buffer.from(req.body).toString('utf8')).get(
            'metaData',
          );
          const signatureWire = req.headers['x-nc-e2ee-signature'];
          if (documentWire !== null && signatureWire !== undefined)
            uploads.set(decodeURIComponent(upload[1]!), { documentWire, signatureWire });
        }
        let res = await fetchTransport(req);
        for (const rule of rules) res = rule(req, res) ?? res;
        const path = new URL(req.url).pathname;
        const meta = META.exec(path);
        if (req.method === 'GET' && meta !== null) {
          const served = ocsDocument(res);
          if (served !== undefined) documents.set(decodeURIComponent(meta[1]!), served);
        } else if (
          req.method === 'GET' &&
          path.includes('/remote.php/dav/files/') &&
          res.status === 200
        )
          bodies.set(decodeURIComponent(path.split('/').pop()!), res.body);
        return res;
      };
      return {
        device: device(userId, label, transport),
        rewrite: (rule) => void rules.push(rule),
        honest: () => void rules.splice(0, rules.length),
        take() {
          const out = { documents, bodies, uploads };
          documents = new Map();
          bodies = new Map();
          uploads = new Map();
          return out;
        },
      };
    },
    certificate: (userId) => certificates.get(userId)!,
    async attack(install) {
      const res = await fetch(`${server.url}${MANAGEMENT_PREFIX}/attacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(install),
      });
      if (!res.ok)
        throw new Error(`recorder: installing ${JSON.stringify(install)}: HTTP ${res.status}`);
    },
    stop: () => server.close(),
  };
}
