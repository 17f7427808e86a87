/**
 * Recorded runs of adversarial checks (spec/17, "Recorded runs of failing attacks"): what the
 * victim of an attack was served, replayed to the suite reader (`./suite-reader.ts`) so that a
 * failing check can become a scenario vector (`sealfold vectors freeze --report R --test ID`).
 *
 * A run is made of the honest tree the reader read before the attack (when the victim had read
 * it) and the tampered state: the honest tree with the first tampered answer the mock kept for
 * each folder and file body (E2EE-CONF-472) in its place. The reader is the reference client; it
 * reads the tampered state through a transport that serves exactly the recorded step, and its
 * verdict is the step's expectation. Everything in a run is what a server serves; the reader's
 * key appears by id only (E2EE-CONF-543).
 *
 * @module
 */
import {
  downloadFile,
  openTopFolder,
  type Device,
  type FolderHandle,
} from '../../../../reference/src/client/index.js';
import { isSealfoldError } from '../../../../reference/src/errors/index.js';
import {
  fetchTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../../../../reference/src/http/index.js';
import { innerDigest, innerToJson } from '../../../../reference/src/metadata/index.js';
import { ATTACKS, type AttackName } from '../../../../server-mock/src/adversary/catalogue.js';
import type { ServedAnswer } from '../../../../server-mock/src/adversary/switches.js';
import { SUITE_READER_KEY_ID, type SuiteReader } from './suite-reader.js';

/** One metadata answer: the document and its signature header ('' when none was served). */
export interface ServedDocument {
  readonly documentWire: string;
  readonly signatureWire: string;
}

/** A step of a recorded run (spec/19 §4). */
export interface RecordedStep {
  readonly comment: string;
  readonly root: ServedDocument;
  /** Sub-folder documents by the sub-folder's key in the folder tree. */
  readonly subfolders: Record<string, ServedDocument>;
  /** Encrypted bodies the reader downloaded after the read, by file id, lowercase hex. */
  readonly bodies?: Record<string, { readonly hex: string }>;
}

type Fingerprint = { readonly counter: number; readonly digest: string };

/** What a step leads to: a rejection, or acceptance with the reader's fingerprint. */
export type RecordedExpect =
  | { readonly result: 'invalid'; readonly error: string }
  | {
      readonly result: 'valid';
      readonly root: Fingerprint;
      readonly subfolders: Record<string, Fingerprint>;
    };

/**
 * A recorded run as a report carries it (`evidence.recordedRun`): the recorded-run format of
 * vectors/schemas/recorded-run.schema.json with the reader's key named, not included.
 */
export interface RecordedRunEvidence {
  readonly format: 'sealfold-recorded-run';
  readonly formatVersion: 1;
  /** The test id without its group (set by the context, which knows the test). */
  readonly name: string;
  readonly comment: string;
  readonly producer: { readonly name: string; readonly version: string };
  readonly requirements: readonly string[];
  readonly flags: readonly string[];
  readonly actor: { readonly userId: string; readonly privateKeyRef: string };
  readonly serverPublicKeyPemWire: string;
  readonly rootId: string;
  readonly steps: readonly RecordedStep[];
  readonly expect: readonly RecordedExpect[];
}

/** A run before the context names it after its test and its producer (the suite's version). */
export type UnnamedRun = Omit<RecordedRunEvidence, 'name' | 'producer'>;

/** Why a check recorded no run (a note, never a result). */
export class NotRecorded extends Error {
  override readonly name = 'NotRecorded';
}

const META = /\/apps\/end_to_end_encryption\/api\/v2\/meta-data\/([^/?]+)$/;
const DAV = '/remote.php/dav/files/';

/** The folder file id of a metadata GET, else undefined. */
function metadataIdOf(req: HttpRequest): string | undefined {
  if (req.method !== 'GET') return undefined;
  const m = META.exec(new URL(req.url).pathname);
  return m === null ? undefined : decodeURIComponent(m[1]!);
}

/** The file id (last path segment) of a WebDAV download, else undefined. */
function bodyIdOf(req: HttpRequest): string | undefined {
  if (req.method !== 'GET') return undefined;
  const path = new URL(req.url).pathname;
  return path.includes(DAV) ? decodeURIComponent(path.split('/').pop()!) : undefined;
}

function documentOf(res: HttpResponse): ServedDocument | undefined {
  if (res.status !== 200) return undefined;
  const env = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
    ocs?: { data?: { 'meta-data'?: unknown } };
  };
  const doc = env.ocs?.data?.['meta-data'];
  return typeof doc === 'string'
    ? { documentWire: doc, signatureWire: res.headers['x-nc-e2ee-signature'] ?? '' }
    : undefined;
}

const withoutLength = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'content-length'));

/** `res` carrying another document and signature header (none when it is ''). */
function serving(res: HttpResponse, s: ServedDocument): HttpResponse {
  const env = JSON.parse(Buffer.from(res.body).toString('utf8')) as { ocs: { data: object } };
  const body = JSON.stringify({ ocs: { ...env.ocs, data: { 'meta-data': s.documentWire } } });
  const headers = withoutLength(res.headers);
  delete headers['x-nc-e2ee-signature'];
  return {
    ...res,
    headers:
      s.signatureWire === '' ? headers : { ...headers, 'x-nc-e2ee-signature': s.signatureWire },
    body: new Uint8Array(Buffer.from(body)),
  };
}

/** The server's transport, keeping every document it serves by folder file id. */
function keeping(docs: Map<string, ServedDocument>): HttpTransport {
  return async (req) => {
    const res = await fetchTransport(req);
    const id = metadataIdOf(req);
    const doc = id === undefined ? undefined : documentOf(res);
    if (id !== undefined && doc !== undefined) docs.set(id, doc);
    return res;
  };
}

/** The server's transport with the documents and bodies of a recorded step served instead. */
function replaying(
  docs: ReadonlyMap<string, ServedDocument>,
  bodies: ReadonlyMap<string, Uint8Array>,
): HttpTransport {
  return async (req) => {
    const res = await fetchTransport(req);
    if (res.status !== 200) return res;
    const id = metadataIdOf(req);
    const doc = id === undefined ? undefined : docs.get(id);
    if (doc !== undefined) return serving(res, doc);
    const fileId = bodyIdOf(req);
    const body = fileId === undefined ? undefined : bodies.get(fileId);
    if (body !== undefined) return { ...res, headers: withoutLength(res.headers), body };
    return res;
  };
}

function fingerprintOf(h: FolderHandle): RecordedExpect {
  const fp = (id: string): Fingerprint => {
    const inner = h.state.docs[id]!;
    return { counter: inner.counter, digest: innerDigest(innerToJson(inner)) };
  };
  return {
    result: 'valid',
    root: fp(h.state.rootId),
    subfolders: Object.fromEntries(
      Object.keys(h.state.docs)
        .filter((id) => id !== h.state.rootId)
        .sort()
        .map((id) => [id, fp(id)]),
    ),
  };
}

/** What the honest read taught: the tree's ids and the documents the server stores. */
interface Tree {
  readonly rootId: string;
  /** Sub-folder keys (as the scenario names them) by the sub-folder's server file id. */
  readonly keyOf: ReadonlyMap<string, string>;
  readonly docs: ReadonlyMap<string, ServedDocument>;
}

function stepOf(
  tree: Tree,
  docs: ReadonlyMap<string, ServedDocument>,
  comment: string,
  bodies?: ReadonlyMap<string, Uint8Array>,
): RecordedStep {
  const root = docs.get(tree.rootId);
  if (root === undefined) throw new NotRecorded('the honest read served no root document');
  const subfolders: Record<string, ServedDocument> = {};
  for (const [fileId, key] of tree.keyOf) {
    const s = docs.get(fileId);
    if (s !== undefined) subfolders[key] = s;
  }
  return {
    comment,
    root,
    subfolders,
    ...(bodies !== undefined && bodies.size > 0
      ? {
          bodies: Object.fromEntries(
            [...bodies].map(([id, b]) => [id, { hex: Buffer.from(b).toString('hex') }]),
          ),
        }
      : {}),
  };
}

/** Whom a recording check reads with, and how the reader meets the folder before the attack. */
export interface RecordingPlan {
  readonly reader: SuiteReader;
  readonly folder: string;
  /**
   * True when the victim had read the folder before the attack, so the reader reads it too (the
   * run's first step); false for a first open, where a throwaway device learns the tree instead.
   */
  readonly readFirst: boolean;
}

/** A recording between the honest read and the tampered one. */
export interface Recording {
  readonly plan: RecordingPlan;
  /** Finishes the run with what the attack served; throws NotRecorded when it cannot. */
  finish(
    attack: AttackName,
    served: readonly ServedAnswer[],
    codes: readonly string[],
  ): Promise<UnnamedRun>;
}

/**
 * Reads the honest folder as the suite reader (or a throwaway device of it, for a first open)
 * before the attack is installed (E2EE-CONF-540).
 */
export async function beginRecording(plan: RecordingPlan): Promise<Recording> {
  let transport: HttpTransport = fetchTransport;
  const device: Device = plan.reader.device(() => transport);
  const honest = new Map<string, ServedDocument>();
  const surveyor = plan.readFirst ? device : plan.reader.device(() => keeping(honest));
  transport = keeping(honest);
  let h: FolderHandle;
  try {
    h = await openTopFolder(surveyor, plan.folder);
  } finally {
    transport = fetchTransport;
  }
  const tree: Tree = {
    rootId: h.state.rootId,
    keyOf: new Map(
      Object.entries(h.locations)
        .filter(([key]) => key !== h.state.rootId)
        .map(([key, loc]) => [loc.fileId, key]),
    ),
    docs: honest,
  };
  const steps: RecordedStep[] = [];
  const expect: RecordedExpect[] = [];
  if (plan.readFirst) {
    steps.push(stepOf(tree, honest, 'the honest folder, read before the attack'));
    expect.push(fingerprintOf(h));
  }
  return {
    plan,
    async finish(attack, served, codes) {
      // E2EE-CONF-541: the first tampered answer of each folder and body, in the honest tree.
      const docs = new Map(tree.docs);
      const bodies = new Map<string, Uint8Array>();
      const taken = new Set<string>();
      for (const a of served) {
        if (a.route === 'meta-data-get' && !taken.has(`d:${a.folderId}`)) {
          taken.add(`d:${a.folderId}`);
          docs.set(a.folderId, { documentWire: a.documentWire, signatureWire: a.signatureWire });
        } else if (a.route === 'dav-file-get' && !bodies.has(a.fileId)) {
          bodies.set(a.fileId, new Uint8Array(Buffer.from(a.hex, 'hex')));
        }
      }
      if (taken.size === 0 && bodies.size === 0)
        throw new NotRecorded('the attack served no tampered document or body to replay');
      transport = replaying(docs, bodies);
      let verdict: string | undefined;
      try {
        const opened = await openTopFolder(device, plan.folder);
        for (const fileId of bodies.keys()) await downloadFile(device, opened, fileId);
      } catch (e) {
        if (!isSealfoldError(e)) throw e;
        verdict = e.code;
      } finally {
        transport = fetchTransport;
      }
      if (verdict === undefined)
        throw new NotRecorded('the suite reader accepted the tampered state');
      if (!codes.includes(verdict))
        throw new NotRecorded(
          `the suite reader refused with ${verdict}, a code the check does not accept`,
        );
      steps.push(stepOf(tree, docs, `the state the attack ${attack} served`, bodies));
      expect.push({ result: 'invalid', error: verdict });
      return {
        format: 'sealfold-recorded-run',
        formatVersion: 1,
        comment: `${attack} (${ATTACKS[attack].description}), as the victim of a client certification run was served it, read by the suite reader`,
        requirements: [...ATTACKS[attack].requirements],
        flags: ['MockAttack'],
        // E2EE-CONF-543: the reader's key by id; a report holds no private key.
        actor: { userId: plan.reader.userId, privateKeyRef: SUITE_READER_KEY_ID },
        serverPublicKeyPemWire: plan.reader.serverPublicKeyPem,
        rootId: tree.rootId,
        steps,
        expect,
      };
    },
  };
}
