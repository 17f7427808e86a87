/**
 * A malicious server for adversarial client tests: the real mock server (`sealfold serve`, real
 * HTTP on loopback) behind a transport that rewrites its answers, plus the server's own CA key,
 * read from its data directory, so the test can mint certificates the client will find CA-valid
 * (the server is the CA: spec/03-certificates.md §1). Every attack of the threat model that needs
 * only a server is therefore mountable: substitute a certificate, replay an old document, drop a
 * member, swap documents.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fetchTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../../src/http/index.js';
import { pemEncode } from '../../src/pem/index.js';
import { makeIdentity, type Identity, type ServerKey } from '../_support/identities.js';
import { serve, usersFile, type ServedServer } from './_serve.js';

/** Rewrites one answer; `undefined` leaves it as the server sent it. */
export type Rewrite = (
  req: HttpRequest,
  res: HttpResponse,
) => HttpResponse | undefined | Promise<HttpResponse | undefined>;

export interface MaliciousServer {
  readonly url: string;
  /** The honest server's CA key, as the attacker holds it. */
  readonly ca: ServerKey;
  /** The transport every device of the test uses: the server's answers after the rewrites. */
  readonly transport: HttpTransport;
  /** Every request the client sent, in order ("METHOD /path"). */
  readonly sent: string[];
  /** The same requests in full (URL with query, headers, body). */
  readonly requests: HttpRequest[];
  /** Installs a rewrite (applied in installation order); returns its remover. */
  rewrite(rule: Rewrite): () => void;
  /** Removes every rewrite. */
  honest(): void;
  /** A CA-valid certificate for `userId` with a fresh key the attacker holds. */
  mint(userId: string): Promise<Identity>;
  stop(): Promise<void>;
}

const CA_KEY_FILE = join('ca', 'ca-key.pem');

/** Starts `sealfold serve` with a data directory and the given users (uid → password). */
export async function startMalicious(users: Record<string, string>): Promise<MaliciousServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealfold-adversary-'));
  const served: ServedServer = await serve(['--data-dir', dataDir, '--users', usersFile(users)]);
  // The software CA writes its key on first start; the attacker controls the server's disk.
  const privateKey = createPrivateKey(readFileSync(join(dataDir, CA_KEY_FILE), 'utf8'));
  const spkiDer = new Uint8Array(
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  );
  const ca: ServerKey = { spkiDer, publicKeyPem: pemEncode('PUBLIC KEY', spkiDer), privateKey };
  const rules: Rewrite[] = [];
  const sent: string[] = [];
  const requests: HttpRequest[] = [];
  const transport: HttpTransport = async (req) => {
    sent.push(`${req.method} ${new URL(req.url).pathname}`);
    requests.push(req);
    let res = await fetchTransport(req);
    for (const rule of [...rules]) res = (await rule(req, res)) ?? res;
    return res;
  };
  return {
    url: served.url,
    ca,
    transport,
    sent,
    requests,
    rewrite(rule) {
      rules.push(rule);
      return () => {
        const i = rules.indexOf(rule);
        if (i !== -1) rules.splice(i, 1);
      };
    },
    honest: () => void rules.splice(0, rules.length),
    mint: (userId) => makeIdentity(userId, ca),
    stop: () => served.stop(),
  };
}

/** True when `req` is `method` on an E2EE API path ending in `suffix`. */
export function isCall(req: HttpRequest, method: string, suffix: string): boolean {
  return req.method === method && new URL(req.url).pathname.endsWith(suffix);
}

/** The `ocs.data` of an OCS answer. */
export function ocsData(res: HttpResponse): unknown {
  return (JSON.parse(Buffer.from(res.body).toString('utf8')) as { ocs: { data: unknown } }).ocs
    .data;
}

/** `res` with its `ocs.data` replaced (status and meta kept), and extra headers. */
export function withOcsData(
  res: HttpResponse,
  data: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  const envelope = JSON.parse(Buffer.from(res.body).toString('utf8')) as { ocs: object };
  const body = JSON.stringify({ ocs: { ...envelope.ocs, data } });
  // The body changes length; the old content-length would describe the old body.
  const kept = Object.fromEntries(
    Object.entries(res.headers).filter(([k]) => k !== 'content-length'),
  );
  return { ...res, headers: { ...kept, ...headers }, body: new TextEncoder().encode(body) };
}

/** An answer to `GET /meta-data/{id}` carrying `document` and `signature` instead. */
export function metadataAnswer(
  res: HttpResponse,
  doc: { document: string; signature: string },
): HttpResponse {
  return withOcsData(res, { 'meta-data': doc.document }, { 'x-nc-e2ee-signature': doc.signature });
}

/** The document and signature of a `GET /meta-data/{id}` answer. */
export function metadataOf(res: HttpResponse): { document: string; signature: string } {
  const data = ocsData(res) as { 'meta-data': string };
  return { document: data['meta-data'], signature: res.headers['x-nc-e2ee-signature']! };
}
