/**
 * The recorded runs of the published set: alice writes with the reference client, bob (or carol)
 * reads with it through a transport the malicious server rewrites, and every read is a step.
 * Each run names the attack it mounts; the reader's verdict is the expectation, and
 * `checkAgainstReference` later holds the reference's passive runner to the same verdicts.
 *
 * @module
 */
import {
  createTopFolder,
  downloadFile,
  makeSubfolder,
  openTopFolder,
  shareFolder,
  uploadFile,
  type FolderHandle,
} from '../../../reference/src/client/index.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { innerDigest, innerToJson } from '../../../reference/src/metadata/index.js';
import type { HttpRequest, HttpResponse } from '../../../reference/src/http/index.js';
import { certificateToPem, MemoryPinStore } from '../../../reference/src/certs/index.js';
import { createFolder } from '../../../reference/src/folders/index.js';
import { addMember } from '../../../reference/src/sharing/index.js';
import { CN, DESKTOP_DN, issue } from '../ca.js';
import type { GenContext } from '../context.js';
import { hex, sha256hex } from '../repr.js';
import { strictPem } from '../pem-variants.js';
import type { Served, Step } from '../types/scenario.js';
import {
  RECORDED_RUN_FORMAT,
  RECORDED_RUN_VERSION,
  type ExpectedStep,
  type RecordedRun,
} from '../recorded-run.js';
import { ATTACKS } from '../../../server-mock/src/adversary/catalogue.js';
import { startRecorder, type Reader, type Recorder } from './recorder.js';

const USERS = ['alice', 'bob', 'carol'] as const;
const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** One run under construction: its steps and the reader's verdicts. */
class RunLog {
  rootId = '';
  readonly steps: Step[] = [];
  readonly expect: ExpectedStep[] = [];
}

/**
 * One read by `reader` of the top folder at `rootPath`: opens it, downloads `files`, and records
 * what the server served and what the client concluded. `names` maps sub-folder file ids to the
 * object ids the documents are keyed by (the writer's view of the tree).
 */
async function read(
  log: RunLog,
  reader: Reader,
  rootPath: string,
  writer: FolderHandle,
  comment: string,
  files: readonly string[] = [],
): Promise<void> {
  reader.take();
  let verdict: ExpectedStep;
  try {
    const h = await openTopFolder(reader.device, rootPath);
    const fp = (id: string) => {
      const inner = h.state.docs[id]!;
      return { counter: inner.counter, digest: innerDigest(innerToJson(inner)) };
    };
    const out: Record<string, { length: number; sha256: string }> = {};
    for (const f of files) {
      const pt = await downloadFile(reader.device, h, f);
      out[f] = { length: pt.length, sha256: sha256hex(pt) };
    }
    verdict = {
      result: 'valid',
      root: fp(h.state.rootId),
      subfolders: Object.fromEntries(
        Object.keys(h.state.docs)
          .filter((id) => id !== h.state.rootId)
          .sort()
          .map((id) => [id, fp(id)]),
      ),
      ...(files.length > 0 ? { files: out } : {}),
    };
  } catch (e) {
    if (!isSealfoldError(e)) throw e;
    verdict = { result: 'invalid', error: e.code };
  }
  const cap = reader.take();
  const rootId = writer.state.rootId;
  log.rootId = rootId;
  const root = cap.documents.get(rootId);
  if (root === undefined) throw new Error(`recorder: ${comment}: the root document was not read`);
  const subfolders: Record<string, Served> = {};
  for (const [name, loc] of Object.entries(writer.locations)) {
    if (name === rootId) continue;
    const s = cap.documents.get(loc.fileId);
    if (s !== undefined) subfolders[name] = s;
  }
  const bodies: Record<string, { hex: string }> = {};
  for (const f of files) {
    const b = cap.bodies.get(f);
    if (b !== undefined) bodies[f] = { hex: hex(b) };
  }
  log.steps.push({
    comment,
    root,
    subfolders,
    ...(Object.keys(bodies).length > 0 ? { bodies } : {}),
  });
  log.expect.push(verdict);
}

/**
 * One write by the reading device itself (`op`, which must change the root document): records
 * the documents it uploaded as a `written` step, and as its verdict the fingerprint of what it
 * wrote (or the code with which the write failed).
 */
async function write(
  log: RunLog,
  author: Reader,
  comment: string,
  op: () => Promise<FolderHandle>,
): Promise<FolderHandle> {
  author.take();
  const h = await op();
  const cap = author.take();
  const rootId = h.state.rootId;
  log.rootId = rootId;
  const root = cap.uploads.get(rootId);
  if (root === undefined)
    throw new Error(`recorder: ${comment}: the root document was not written`);
  const fp = (id: string) => {
    const inner = h.state.docs[id]!;
    return { counter: inner.counter, digest: innerDigest(innerToJson(inner)) };
  };
  const subfolders: Record<string, Served> = {};
  const subs: Record<string, { counter: number; digest: string }> = {};
  for (const [name, loc] of Object.entries(h.locations)) {
    const s = name === rootId ? undefined : cap.uploads.get(loc.fileId);
    if (s === undefined) continue;
    subfolders[name] = s;
    subs[name] = fp(name);
  }
  log.steps.push({ comment, root, subfolders, written: true });
  log.expect.push({ result: 'valid', root: fp(rootId), subfolders: subs });
  return h;
}

/** True when `req` is a GET of the metadata of `fileId`. */
const isMetaGet = (req: HttpRequest, fileId: string) =>
  req.method === 'GET' && new URL(req.url).pathname.endsWith(`/meta-data/${fileId}`);

/** `res` carrying another document and signature. */
function serving(res: HttpResponse, s: Served): HttpResponse {
  const env = JSON.parse(Buffer.from(res.body).toString('utf8')) as { ocs: { data: object } };
  const body = JSON.stringify({ ocs: { ...env.ocs, data: { 'meta-data': s.documentWire } } });
  const headers = Object.fromEntries(
    Object.entries(res.headers).filter(([k]) => k !== 'content-length'),
  );
  return {
    ...res,
    headers: { ...headers, 'x-nc-e2ee-signature': s.signatureWire },
    body: new Uint8Array(Buffer.from(body)),
  };
}

interface RunSpec {
  readonly name: string;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly requirements: readonly string[];
  readonly reader: (typeof USERS)[number];
  play(rec: Recorder, ctx: GenContext, log: RunLog, reader: Reader): Promise<void>;
}

/**
 * The mock server's own attack switches (server-mock/src/adversary, E2EE-CONF-450..) that forge
 * nothing: each is installed through the management API for bob's answers about one folder, and
 * mounted on the third read of a tree with sub-folders and files (the switches that mint keys
 * draw fresh RSA keys and cannot be recorded deterministically).
 */
const MOCK_ATTACKS = [
  'drop-member',
  'counter-rollback',
  'flip-metadata-byte',
  'flip-signature-byte',
  'flip-file-byte',
  'flip-file-tag',
  'truncate-file',
  'splice-file',
] as const;

function mockAttackRun(attack: (typeof MOCK_ATTACKS)[number]): RunSpec {
  const folder = `attack-${attack}`;
  return {
    name: `mock-attack-${attack}`,
    comment: `the mock server's attack switch ${attack}, installed for bob's answers about the folder, on the third read`,
    flags: ['Recorded', 'MockAttack'],
    // What a client breaks when it accepts the attack, as the mock's catalogue names it, except
    // E2EE-FILE-800 (no plaintext written before the tag verified): I/O order, not a verdict.
    requirements: ATTACKS[attack].requirements.filter((r) => r !== 'E2EE-FILE-800'),
    reader: 'bob',
    async play(rec, _ctx, log, reader) {
      const alice = rec.writer('alice', `recorded/${folder}/alice`);
      let h = await createTopFolder(alice, folder);
      h = await shareFolder(alice, h, 'bob');
      const a = await uploadFile(alice, h, { filename: 'a.txt', content: text(`a of ${attack}`) });
      const sub = await makeSubfolder(alice, a.handle, 'docs');
      const b = await uploadFile(alice, sub.handle, {
        filename: 'b.txt',
        content: text(`b of ${attack}`),
        folderId: sub.folderId,
      });
      h = b.handle;
      const files = [a.fileId, b.fileId];
      await read(log, reader, folder, h, 'a tree with a sub-folder and two files', files);
      const c = await uploadFile(alice, h, { filename: 'c.txt', content: text(`c of ${attack}`) });
      h = c.handle;
      await read(log, reader, folder, h, 'alice added c.txt', [...files, c.fileId]);
      await rec.attack({ attack, scope: { user: 'bob', folder } });
      await read(log, reader, folder, h, `the server mounts ${attack}`, [...files, c.fileId]);
    },
  };
}

const RUNS: readonly RunSpec[] = [
  {
    name: 'honest-share-upload-subfolder',
    comment:
      'alice creates a folder, shares it with bob, uploads a file, adds a sub-folder with a file; bob reads after each write and downloads the files',
    flags: ['Recorded', 'Honest'],
    // E2EE-META-030: what the reference writer uploaded, a conforming reader accepts.
    requirements: ['E2EE-META-030', 'E2EE-SHARE-001', 'E2EE-SHARE-002', 'E2EE-FILE-006'],
    reader: 'bob',
    async play(rec, _ctx, log, reader) {
      const alice = rec.writer('alice', 'recorded/honest/alice');
      let h = await createTopFolder(alice, 'honest');
      h = await shareFolder(alice, h, 'bob');
      await read(log, reader, 'honest', h, 'shared with bob');
      const a = await uploadFile(alice, h, { filename: 'a.txt', content: text('first file') });
      h = a.handle;
      await read(log, reader, 'honest', h, 'alice uploaded a.txt', [a.fileId]);
      const sub = await makeSubfolder(alice, h, 'docs');
      h = sub.handle;
      const b = await uploadFile(alice, h, {
        filename: 'b.txt',
        content: text('second file, in docs'),
        folderId: sub.folderId,
      });
      h = b.handle;
      await read(log, reader, 'honest', h, 'alice added docs/b.txt', [a.fileId, b.fileId]);
      await read(log, reader, 'honest', h, 'the same version again');
    },
  },
  {
    name: 'server-replays-older-root',
    comment:
      'bob has read two versions; the server serves the first again (valid signature, older counter)',
    flags: ['Recorded', 'Rollback'],
    requirements: ['E2EE-API-309'],
    reader: 'bob',
    async play(rec, _ctx, log, reader) {
      const alice = rec.writer('alice', 'recorded/rollback/alice');
      let h = await createTopFolder(alice, 'rollback');
      h = await shareFolder(alice, h, 'bob');
      h = (await uploadFile(alice, h, { filename: 'one.txt', content: text('one') })).handle;
      await read(log, reader, 'rollback', h, 'version with one.txt');
      const old = log.steps.at(-1)!.root;
      h = (await uploadFile(alice, h, { filename: 'two.txt', content: text('two') })).handle;
      await read(log, reader, 'rollback', h, 'version with two.txt');
      const rootId = h.state.rootId;
      reader.rewrite((req, res) => (isMetaGet(req, rootId) ? serving(res, old) : undefined));
      await read(log, reader, 'rollback', h, 'the server replays the version with one.txt');
      reader.honest();
      await read(log, reader, 'rollback', h, 'the server serves the current version again');
    },
  },
  {
    name: 'server-drops-member-unsigned',
    comment: "the server removes carol from the root document's users without a new signature",
    flags: ['Recorded', 'Stripped'],
    requirements: ['E2EE-API-309'],
    reader: 'bob',
    async play(rec, _ctx, log, reader) {
      const alice = rec.writer('alice', 'recorded/drop/alice');
      let h = await createTopFolder(alice, 'drop');
      h = await shareFolder(alice, h, 'bob');
      h = await shareFolder(alice, h, 'carol');
      await read(log, reader, 'drop', h, 'shared with bob and carol');
      const rootId = h.state.rootId;
      reader.rewrite((req, res) => {
        if (!isMetaGet(req, rootId)) return undefined;
        const env = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
          ocs: { data: { 'meta-data': string } };
        };
        const doc = JSON.parse(env.ocs.data['meta-data']) as { users: { userId: string }[] };
        doc.users = doc.users.filter((u) => u.userId !== 'carol');
        return serving(res, {
          documentWire: JSON.stringify(doc),
          signatureWire: res.headers['x-nc-e2ee-signature']!,
        });
      });
      await read(log, reader, 'drop', h, 'carol removed from users by the server');
    },
  },
  {
    name: 'server-swaps-file-bodies',
    comment: "the server serves one file's encrypted body under the other file's name",
    flags: ['Recorded', 'SwappedBody'],
    requirements: ['E2EE-FILE-006'],
    reader: 'bob',
    async play(rec, _ctx, log, reader) {
      const alice = rec.writer('alice', 'recorded/bodies/alice');
      let h = await createTopFolder(alice, 'bodies');
      h = await shareFolder(alice, h, 'bob');
      const x = await uploadFile(alice, h, { filename: 'x.txt', content: text('x body') });
      const y = await uploadFile(alice, x.handle, { filename: 'y.txt', content: text('y body') });
      h = y.handle;
      await read(log, reader, 'bodies', h, 'both bodies as uploaded', [x.fileId, y.fileId]);
      let xBody: Uint8Array | undefined;
      reader.rewrite((req, res) => {
        const path = new URL(req.url).pathname;
        if (req.method !== 'GET' || !path.includes('/remote.php/dav/files/')) return undefined;
        if (path.endsWith(`/${x.fileId}`)) xBody = res.body;
        if (path.endsWith(`/${y.fileId}`) && xBody !== undefined) return { ...res, body: xBody };
        return undefined;
      });
      await read(log, reader, 'bodies', h, "y.txt served with x.txt's body", [x.fileId, y.fileId]);
    },
  },
  {
    name: 'server-swaps-subfolder-documents',
    comment: "the server serves two sub-folders' documents under each other's ids",
    flags: ['Recorded', 'SwappedSubfolder'],
    requirements: ['E2EE-SHARE-040'],
    reader: 'bob',
    async play(rec, _ctx, log, reader) {
      const alice = rec.writer('alice', 'recorded/subswap/alice');
      let h = await createTopFolder(alice, 'subswap');
      h = await shareFolder(alice, h, 'bob');
      const s1 = await makeSubfolder(alice, h, 'one');
      const s2 = await makeSubfolder(alice, s1.handle, 'two');
      h = s2.handle;
      h = (
        await uploadFile(alice, h, {
          filename: 'in-one',
          content: text('1'),
          folderId: s1.folderId,
        })
      ).handle;
      await read(log, reader, 'subswap', h, 'two sub-folders as written');
      const [id1, id2] = [h.locations[s1.folderId]!.fileId, h.locations[s2.folderId]!.fileId];
      const docs = new Map<string, Served>();
      const swapped = (s: string) => (s === id1 ? id2 : s === id2 ? id1 : undefined);
      // Fetch both honestly first, then answer each id with the other's document.
      reader.rewrite((req, res) => {
        const m = /\/meta-data\/([^/?]+)$/.exec(new URL(req.url).pathname);
        if (req.method !== 'GET' || m === null) return undefined;
        const other = swapped(m[1]!);
        if (other === undefined) return undefined;
        const env = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
          ocs: { data: { 'meta-data': string } };
        };
        docs.set(m[1]!, {
          documentWire: env.ocs.data['meta-data'],
          signatureWire: res.headers['x-nc-e2ee-signature']!,
        });
        return undefined;
      });
      await read(log, reader, 'subswap', h, 'honest re-read (the server learns both documents)');
      reader.honest();
      reader.rewrite((req, res) => {
        const m = /\/meta-data\/([^/?]+)$/.exec(new URL(req.url).pathname);
        if (req.method !== 'GET' || m === null) return undefined;
        const other = swapped(m[1]!);
        const doc = other === undefined ? undefined : docs.get(other);
        return doc === undefined ? undefined : serving(res, doc);
      });
      await read(log, reader, 'subswap', h, "each sub-folder served the other's document");
    },
  },
  {
    name: 'server-substitutes-member-certificate',
    comment:
      'after bob pinned alice\'s key, the server serves a root document signed under a certificate for "alice" that it minted over another key',
    flags: ['Recorded', 'InjectedMember'],
    requirements: ['E2EE-API-803'],
    reader: 'bob',
    async play(rec, ctx, log, reader) {
      const alice = rec.writer('alice', 'recorded/substitute/alice');
      let h = await createTopFolder(alice, 'substitute');
      h = await shareFolder(alice, h, 'bob');
      await read(log, reader, 'substitute', h, "bob reads and pins alice's certificate");
      // The server is the CA: it issues a CA-valid certificate for "alice" over mallory's key.
      const minted = certificateToPem(
        await issue({
          issuerPkcs8: ctx.key('server').pkcs8,
          subjectSpki: ctx.key('mallory').spki,
          subject: [...DESKTOP_DN, [CN, 'alice']],
          notBefore: new Date(ctx.now.getTime() - 86_400_000),
        }),
      );
      const forger = {
        signer: { userId: 'alice', certificate: minted, privateKey: ctx.key('mallory').pkcs8 },
        rng: ctx.rng('recorded/substitute/forger'),
        now: ctx.now,
      };
      const rootId = h.state.rootId;
      let change = await createFolder(forger, rootId);
      for (const uid of ['bob', 'carol'] as const)
        change = await addMember(
          change.state,
          forger,
          { userId: uid, certificate: rec.certificate(uid) },
          { serverPublicKey: ctx.key('server').spki, pins: new MemoryPinStore() },
        );
      const forged = change.metadata.find((m) => m.folderId === rootId)!;
      reader.rewrite((req, res) =>
        isMetaGet(req, rootId)
          ? serving(res, { documentWire: forged.document, signatureWire: forged.signature })
          : undefined,
      );
      await read(log, reader, 'substitute', h, 'the server serves its forged root document');
    },
  },
  {
    name: 'own-writes-then-replay',
    comment:
      "alice's own uploads recorded as written steps (her marks), then her reads: the current version, and the server replaying her first version",
    flags: ['Recorded', 'OwnWrite'],
    requirements: ['E2EE-API-311', 'E2EE-META-062'],
    reader: 'alice',
    async play(_rec, _ctx, log, author) {
      let h = await write(log, author, 'alice creates the folder', () =>
        createTopFolder(author.device, 'own'),
      );
      const first = log.steps.at(-1)!.root;
      h = await write(log, author, 'alice shares it with bob', () =>
        shareFolder(author.device, h, 'bob'),
      );
      h = await write(
        log,
        author,
        'alice uploads a.txt',
        async () =>
          (await uploadFile(author.device, h, { filename: 'a.txt', content: text('own') })).handle,
      );
      await read(log, author, 'own', h, 'alice reads the current version');
      const rootId = h.state.rootId;
      author.rewrite((req, res) => (isMetaGet(req, rootId) ? serving(res, first) : undefined));
      await read(log, author, 'own', h, 'the server serves her first version again');
    },
  },
  ...MOCK_ATTACKS.map(mockAttackRun),
];

/** Records every run of the published set against one mock server. */
export async function recordRuns(ctx: GenContext): Promise<RecordedRun[]> {
  const rec = await startRecorder(ctx, USERS);
  const producer = { name: 'sealfold-reference', version: ctx.source.version };
  try {
    const out: RecordedRun[] = [];
    for (const r of RUNS) {
      const log = new RunLog();
      const reader = rec.reader(r.reader, `recorded/${r.name}/reader`);
      await r.play(rec, ctx, log, reader);
      out.push({
        format: RECORDED_RUN_FORMAT,
        formatVersion: RECORDED_RUN_VERSION,
        name: r.name,
        comment: r.comment,
        producer,
        requirements: [...r.requirements],
        flags: [...r.flags],
        actor: { userId: r.reader, privateKeyPemWire: ctx.key(r.reader).pem },
        serverPublicKeyPemWire: strictPem('PUBLIC KEY', ctx.key('server').spki),
        rootId: log.rootId,
        steps: log.steps,
        expect: log.expect,
      });
    }
    return out;
  } finally {
    await rec.stop();
  }
}
