/**
 * The one place where the mock misbehaves towards clients: an express middleware, installed
 * before every router, that lets the honest handlers answer and then rewrites the answer of a
 * request an installed attack matches (`./switches.ts`). Handlers stay honest; the rewrites here
 * are what a malicious server (or anyone controlling its disk and CA key) can do.
 *
 * It also records the metadata documents it sees (served or stored, per folder id, in order), so
 * that rollback attacks can replay a document the folder really had.
 *
 * OCS answers are rewritten when they are JSON (what every E2EE client asks for); an XML answer
 * passes unchanged and is recorded as evidence that the attack did not apply.
 *
 * @module
 */
import type { NextFunction, Request, Response } from 'express';
import { fromBase64, sha256, toBase64 } from '../../../reference/src/bytes/index.js';
import {
  formatCheckpoint,
  parseCheckpointText,
  parseNote,
  signNote,
  type NoteSigner,
} from '../../../reference/src/log/index.js';
import { TLOG_PATH } from '../log-tree/paths.js';
import { getNode, ancestors, resolvePath } from '../store/tree.js';
import type { StoreView } from '../store/index.js';
import { readE2eeState } from '../e2ee/store-adapter.js';
import type { Logger } from '../log.js';
import { ATTACKS, type AttackName, type AttackRoute } from './catalogue.js';
import type { AttackSwitches, InstalledAttack } from './switches.js';
import type { Forge, ServedDocument } from './forge.js';

const SIGNATURE_HEADER = 'x-nc-e2ee-signature';
const E2EE_API = /^\/ocs\/v[12]\.php\/apps\/end_to_end_encryption\/api\/v[12]\/(.*)$/;
const DAV_FILES = /^\/remote\.php\/dav\/files\/([^/]+)(\/.*)?$/;

/** Everything the rewriting layer needs from the server. */
export interface AdversaryDeps {
  readonly attacks: AttackSwitches;
  readonly store: StoreView;
  readonly forge: Forge;
  readonly log: Logger;
  /** The transparency log's signing key (null when the log is off), for checkpoint attacks. */
  readonly logKey?: () => NoteSigner | null;
}

interface Classified {
  route: AttackRoute | 'meta-data-write';
  folderId?: number;
  davUser?: string;
  davPath?: string;
}

function classify(req: Request): Classified | null {
  const path = req.path === undefined ? '' : new URL(req.originalUrl, 'http://x').pathname;
  if (req.method === 'GET' && /^\/ocs\/v[12]\.php\/cloud\/capabilities\/?$/.test(path))
    return { route: 'capabilities' };
  if (req.method === 'GET' && path === `${TLOG_PATH}/checkpoint`)
    return { route: 'log-checkpoint' };
  const api = E2EE_API.exec(path);
  if (api) {
    const rest = api[1]!;
    if (req.method === 'GET' && rest === 'server-key') return { route: 'server-key' };
    if (req.method === 'GET' && rest === 'recovery-key') return { route: 'recovery-key-get' };
    if (rest === 'public-key' && req.method === 'POST') return { route: 'public-key-post' };
    if (rest === 'public-key' && req.method === 'GET') return { route: 'public-key-get' };
    const m = /^meta-data\/(\d+)$/.exec(rest);
    if (m && req.method === 'GET') return { route: 'meta-data-get', folderId: Number(m[1]) };
    if (m && (req.method === 'PUT' || req.method === 'POST'))
      return { route: 'meta-data-write', folderId: Number(m[1]) };
    return null;
  }
  const dav = DAV_FILES.exec(path);
  if (dav && (req.method === 'GET' || req.method === 'PROPFIND')) {
    const davPath = decodePathSegment(dav[2] ?? '/');
    const davUser = decodePathSegment(dav[1]!);
    // A path that does not decode is no attack target: the honest handler answers it (400).
    if (davPath === null || davUser === null) return null;
    return { route: req.method === 'GET' ? 'dav-file-get' : 'dav-propfind', davUser, davPath };
  }
  return null;
}

/** `decodeURIComponent`, or null for a malformed escape (`%zz`, `%C0%AF`) instead of a throw. */
function decodePathSegment(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** Names of a node and its ancestors (the root's empty name left out). */
function namesOf(store: StoreView, id: number): string[] {
  const n = getNode(store, id);
  if (!n) return [];
  return [n, ...ancestors(store, id)].map((x) => x.name).filter((x) => x !== '');
}

function bodyText(chunk: unknown): string | null {
  if (typeof chunk === 'string') return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk).toString('utf8');
  return null;
}

type Ocs = { ocs: { meta: unknown; data: unknown } };

function parseOcs(text: string): Ocs | null {
  try {
    const o = JSON.parse(text) as Ocs;
    return o && typeof o === 'object' && o.ocs && typeof o.ocs === 'object' ? o : null;
  } catch {
    return null;
  }
}

/** One rewritten answer: new body bytes, header changes, or a different status. */
interface Rewritten {
  body: string | Uint8Array;
  /** Removes the signature header of the honest answer. */
  dropSignature?: boolean;
  status?: number;
  headers?: Record<string, string>;
  detail: string;
}

/** The most checkpoints remembered per user. */
const CHECKPOINT_HISTORY = 64;

/** The signed text of a note (its lines before the blank line). */
function noteText(note: string): string {
  return parseNote(note).text;
}

type OuterDoc = { users?: Array<Record<string, unknown>>; metadata?: Record<string, unknown> };

function flipBase64Byte(b64: string, index: 'first' | 'last'): string {
  const bytes = fromBase64(b64, 'base64 field');
  const i = index === 'first' ? 0 : bytes.length - 1;
  bytes[i] = bytes[i]! ^ 0x01;
  return toBase64(bytes);
}

/**
 * The adversary middleware. `history` holds the documents recorded per folder id, oldest first.
 */
export function adversaryLayer(deps: AdversaryDeps) {
  const history = new Map<number, ServedDocument[]>();
  const remember = (id: number, doc: ServedDocument) => {
    const list = history.get(id) ?? [];
    if (list.at(-1)?.document !== doc.document) list.push(doc);
    history.set(id, list);
  };
  /** Honest checkpoint notes served per user, oldest first (for the rollback attack). */
  const checkpoints = new Map<string, string[]>();
  const rememberCheckpoint = (user: string, note: string) => {
    const list = checkpoints.get(user) ?? [];
    if (list.length === 0 || noteText(list.at(-1)!) !== noteText(note)) list.push(note);
    if (list.length > CHECKPOINT_HISTORY) list.shift();
    checkpoints.set(user, list);
  };
  const currentDoc = (id: number): ServedDocument | undefined => {
    const rec = readE2eeState(deps.store).meta[String(id)];
    return rec?.doc === undefined
      ? undefined
      : { document: rec.doc, signature: rec.signature ?? '' };
  };

  async function rewriteMetadata(
    a: InstalledAttack,
    folderId: number,
    ocs: Ocs,
    signature: string,
  ): Promise<Rewritten | null> {
    const data = ocs.ocs.data as { 'meta-data'?: unknown };
    if (typeof data?.['meta-data'] !== 'string') return null;
    const served: ServedDocument = { document: data['meta-data'], signature };
    const answer = (doc: ServedDocument, detail: string): Rewritten => ({
      body: JSON.stringify({ ocs: { ...ocs.ocs, data: { 'meta-data': doc.document } } }),
      headers: { [SIGNATURE_HEADER]: doc.signature },
      detail,
    });
    const outer = JSON.parse(served.document) as OuterDoc;
    const users = Array.isArray(outer.users) ? outer.users : [];
    const readers = users.map((u) => ({
      userId: String(u.userId),
      certificate: String(u.certificate),
    }));
    const edit = (detail: string) =>
      answer({ document: JSON.stringify(outer), signature: served.signature }, detail);
    switch (a.attack) {
      case 'member-certificate-in-document': {
        const target = users.find((u) => u.userId === (a.params?.user ?? users[0]?.userId));
        if (!target) return null;
        target.certificate = (await deps.forge.mint(String(target.userId))).certificatePem;
        return edit(`users entry ${String(target.userId)}: certificate replaced by a minted one`);
      }
      case 'inject-member': {
        if (users.length === 0) return null;
        const uid = a.params?.user ?? 'mallory';
        const m = await deps.forge.mint(uid);
        users.push({ ...users[0], userId: uid, certificate: m.certificatePem });
        return edit(`users entry ${uid} added with a minted certificate`);
      }
      case 'replace-users': {
        for (const u of users)
          u.certificate = (await deps.forge.mint(String(u.userId))).certificatePem;
        return edit(`${users.length} users entries given minted certificates`);
      }
      case 'drop-member': {
        if (users.length < 2) return null;
        const gone = users.pop()!;
        return edit(`users entry ${String(gone.userId)} removed`);
      }
      case 'zero-wrapped-key':
      case 'repeated-byte-wrapped-key': {
        const fill = a.attack === 'zero-wrapped-key' ? 0 : 0x41;
        for (const u of users) {
          const len = fromBase64(String(u.encryptedMetadataKey), 'encryptedMetadataKey').length;
          u.encryptedMetadataKey = toBase64(new Uint8Array(len).fill(fill));
        }
        return edit(
          `wrapped metadata keys of ${users.length} users filled with 0x${fill.toString(16)}`,
        );
      }
      case 'flip-metadata-byte': {
        const md = outer.metadata;
        if (!md || typeof md.ciphertext !== 'string') return null;
        md.ciphertext = flipBase64Byte(md.ciphertext, 'first');
        return edit('first byte of metadata.ciphertext flipped');
      }
      case 'flip-signature-byte':
        return answer(
          { document: served.document, signature: flipBase64Byte(served.signature, 'last') },
          'last byte of the signature flipped',
        );
      case 'resign-as-minted-signer': {
        if (readers.length === 0) return null;
        const fake = await deps.forge.mint(readers[0]!.userId);
        return answer(
          await deps.forge.document(fake, String(folderId), readers),
          `new document signed by a minted certificate for ${fake.userId}`,
        );
      }
      case 'resign-under-other-ca': {
        if (readers.length === 0) return null;
        const fake = await deps.forge.mintUnderOtherCa(readers[0]!.userId);
        return answer(
          await deps.forge.document(fake, String(folderId), readers),
          `new document signed by a certificate for ${fake.userId} from another CA`,
        );
      }
      case 'strip-signature':
        return { ...answer(served, 'signature header removed'), headers: {}, dropSignature: true };
      case 'resign-as-minted-member':
      case 'readd-removed-member': {
        const uid = a.params?.user ?? (a.attack === 'resign-as-minted-member' ? 'mallory' : null);
        if (uid === null || readers.length === 0) return null;
        const fake = await deps.forge.mint(uid);
        return answer(
          await deps.forge.document(
            fake,
            String(folderId),
            readers.filter((r) => r.userId !== uid),
          ),
          `new document listing ${uid}, signed by a minted certificate for ${uid}`,
        );
      }
      case 'counter-rollback': {
        const list = history.get(folderId) ?? [];
        const i = list.findIndex((d) => d.document === served.document);
        const older = i > 0 ? list[i - 1] : undefined;
        return older
          ? answer(older, `the folder's previous document (${i} of ${list.length}) served`)
          : null;
      }
      case 'hide-removal': {
        const uid = a.params?.user;
        if (uid === undefined || users.some((u) => u.userId === uid)) return null;
        const list = history.get(folderId) ?? [];
        const before = list.findLast((d) =>
          ((JSON.parse(d.document) as OuterDoc).users ?? []).some((u) => u.userId === uid),
        );
        return before ? answer(before, `the last document still listing ${uid} served`) : null;
      }
      case 'subfolder-swap': {
        // Sub-folder names on the server are random ids (E2EE-FILE-009), so the attack takes
        // every sub-folder below the scoped folder and serves it the document of a sibling.
        const node = getNode(deps.store, folderId);
        // The scoped folder itself (and an unscoped top folder) keeps its own document.
        if (!node || node.parent === null || node.name === a.scope?.folder) return null;
        if (getNode(deps.store, node.parent)?.parent === null) return null;
        const sibling = deps.store
          .childrenOf(node.parent)
          .find((n) => n.kind === 'folder' && n.id !== folderId && currentDoc(n.id) !== undefined);
        const doc = sibling && currentDoc(sibling.id);
        return doc ? answer(doc, `the document of sibling folder ${sibling.id} served`) : null;
      }
      case 'v1-document': {
        const legacy = {
          metadata: { metadataKey: toBase64(new Uint8Array(256).fill(0x41)), version: '1.2' },
          files: {},
        };
        return answer(
          { document: JSON.stringify(legacy), signature: served.signature },
          'a 1.2 document served',
        );
      }
      case 'delete-metadata':
        return {
          body: JSON.stringify({
            ocs: {
              meta: { status: 'failure', statuscode: 404, message: 'Could not find metadata' },
              data: [],
            },
          }),
          status: 404,
          detail: 'metadata answered 404',
        };
      default:
        return null;
    }
  }

  /** Checkpoint attacks (spec/21): a replayed smaller checkpoint, or another root re-signed. */
  function rewriteCheckpoint(a: InstalledAttack, uid: string, note: string): Rewritten | null {
    const honest = noteText(note);
    if (a.attack === 'log-checkpoint-rollback') {
      const list = checkpoints.get(uid) ?? [];
      const i = list.findIndex((n) => noteText(n) === honest);
      const older = i > 0 ? list[i - 1] : undefined;
      return older === undefined
        ? null
        : {
            body: older,
            detail: `the checkpoint served before the current one (${i} of ${list.length}) served again`,
          };
    }
    const key = deps.logKey?.() ?? null;
    if (key === null) return null;
    const cp = parseCheckpointText(honest);
    // A root no tree of the log has: the hash of the honest root.
    const forged = formatCheckpoint({ origin: cp.origin, size: cp.size, root: sha256(cp.root) });
    return {
      body: signNote(forged, [key]),
      detail: `a checkpoint of size ${cp.size} with another root, signed with the log key`,
    };
  }

  async function rewrite(
    a: InstalledAttack,
    c: Classified,
    req: Request,
    res: Response,
    text: string | null,
    bytes: Uint8Array | null,
  ): Promise<Rewritten | null> {
    const ocs = text === null ? null : parseOcs(text);
    const uid = req.sealfold?.user ?? null;
    switch (c.route) {
      case 'capabilities': {
        const caps = (ocs?.ocs.data as { capabilities?: Record<string, Record<string, unknown>> })
          ?.capabilities;
        if (!ocs || !caps) return null;
        if (a.attack === 'drop-capability') delete caps['end-to-end-encryption'];
        else if (caps['end-to-end-encryption'])
          caps['end-to-end-encryption']['api-version'] = '1.2';
        return { body: JSON.stringify(ocs), detail: `${a.attack}: capability rewritten` };
      }
      case 'server-key': {
        const data = ocs?.ocs.data as { 'public-key'?: unknown } | undefined;
        if (!ocs || typeof data?.['public-key'] !== 'string') return null;
        data['public-key'] = await deps.forge.otherServerKey();
        return { body: JSON.stringify(ocs), detail: 'server key replaced by a fresh RSA key' };
      }
      case 'public-key-post': {
        const data = ocs?.ocs.data as { 'public-key'?: unknown } | undefined;
        if (!ocs || uid === null || typeof data?.['public-key'] !== 'string') return null;
        if (a.attack === 'own-certificate-other-key') {
          data['public-key'] = (await deps.forge.mint(uid)).certificatePem;
          return {
            body: JSON.stringify(ocs),
            detail: `issued certificate of ${uid} replaced by a minted one`,
          };
        }
        const csr = (req.body as Record<string, unknown> | undefined)?.csr;
        if (typeof csr !== 'string') return null;
        data['public-key'] = await deps.forge.issueUnderOtherCa(csr, uid);
        return {
          body: JSON.stringify(ocs),
          detail: `certificate of ${uid} issued under another CA`,
        };
      }
      case 'public-key-get': {
        const keys = (ocs?.ocs.data as { 'public-keys'?: Record<string, string> } | undefined)?.[
          'public-keys'
        ];
        if (!ocs || !keys) return null;
        const own = a.attack === 'own-certificate-other-key-lookup';
        const targets = Object.keys(keys).filter((k) =>
          a.params?.user !== undefined ? k === a.params.user : own ? k === uid : k !== uid,
        );
        if (targets.length === 0) return null;
        for (const k of targets)
          keys[k] = (await deps.forge.mint(a.params?.cn ?? k)).certificatePem;
        return {
          body: JSON.stringify(ocs),
          detail: `certificates of ${targets.join(', ')} replaced by minted ones`,
        };
      }
      case 'meta-data-get': {
        const sig = res.getHeader(SIGNATURE_HEADER);
        if (!ocs || c.folderId === undefined) return null;
        return rewriteMetadata(a, c.folderId, ocs, typeof sig === 'string' ? sig : '');
      }
      case 'dav-file-get': {
        if (bytes === null || bytes.length === 0) return null;
        const out = new Uint8Array(bytes);
        if (a.attack === 'flip-file-byte') out[0] = out[0]! ^ 0x01;
        else if (a.attack === 'flip-file-tag') out[out.length - 1] = out.at(-1)! ^ 0x01;
        else if (a.attack === 'truncate-file')
          return { body: out.slice(0, out.length >> 1), detail: 'file body cut to half' };
        else if (a.attack === 'splice-file') {
          const here = uid && c.davPath ? resolvePath(deps.store, uid, c.davPath) : undefined;
          if (!here || here.node.parent === null) return null;
          const siblings = deps.store
            .childrenOf(here.node.parent)
            .filter((n) => n.kind === 'file' && n.id !== here.node.id && n.content !== null);
          const other = siblings.find((n) => n.name > here.node.name) ?? siblings[0];
          if (!other) return null;
          return {
            body: new Uint8Array(other.content!),
            detail: `body of ${other.name} served for ${here.node.name}`,
          };
        }
        return { body: out, detail: `${a.attack}: body altered` };
      }
      case 'log-checkpoint':
        return text === null || uid === null ? null : rewriteCheckpoint(a, uid, text);
      case 'recovery-key-get': {
        const data = ocs?.ocs.data as { statement?: unknown } | undefined;
        if (!ocs || typeof data?.statement !== 'string') return null;
        const statement = JSON.parse(data.statement) as Record<string, unknown>;
        // Shaped like an Ed25519 signature, so only verifying it tells that nobody signed.
        statement.signature = toBase64(new Uint8Array(64));
        data.statement = JSON.stringify(statement);
        return {
          body: JSON.stringify(ocs),
          detail: 'recovery-key statement signature replaced by 64 zero bytes',
        };
      }
      case 'dav-propfind':
        return {
          body: '<?xml version="1.0"?><d:error xmlns:d="DAV:"/>',
          status: 404,
          headers: { 'content-type': 'application/xml; charset=utf-8' },
          detail: 'PROPFIND answered 404',
        };
      default:
        return null;
    }
  }

  /** E2EE-CONF-472: the tampered metadata or body exactly as this answer serves it. */
  function keepServed(id: number, c: Classified, r: Rewritten, res: Response): void {
    if (c.route === 'meta-data-get' && c.folderId !== undefined && typeof r.body === 'string') {
      const doc = (parseOcs(r.body)?.ocs.data as { 'meta-data'?: unknown } | undefined)?.[
        'meta-data'
      ];
      if (typeof doc !== 'string') return;
      const header = r.headers?.[SIGNATURE_HEADER] ?? res.getHeader(SIGNATURE_HEADER);
      deps.attacks.served({
        id,
        route: 'meta-data-get',
        folderId: String(c.folderId),
        documentWire: doc,
        signatureWire: r.dropSignature === true || typeof header !== 'string' ? '' : header,
      });
    } else if (c.route === 'dav-file-get' && c.davPath !== undefined) {
      const body = typeof r.body === 'string' ? new TextEncoder().encode(r.body) : r.body;
      deps.attacks.served({
        id,
        route: 'dav-file-get',
        fileId:
          c.davPath
            .split('/')
            .filter((x) => x !== '')
            .at(-1) ?? '',
        hex: Buffer.from(body).toString('hex'),
      });
    }
  }

  return (req: Request, res: Response, next: NextFunction): void => {
    const c = classify(req);
    if (c === null) return next();
    const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => Response;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      void (async () => {
        let out: { chunk: unknown; status?: number; headers?: Record<string, string> } = { chunk };
        try {
          const text = bodyText(chunk);
          if (c.route === 'meta-data-write') {
            const doc = (req.body as Record<string, unknown> | undefined)?.metaData;
            const sig = req.get(SIGNATURE_HEADER);
            if (res.statusCode === 200 && typeof doc === 'string' && c.folderId !== undefined)
              remember(c.folderId, { document: doc, signature: sig ?? '' });
            return;
          }
          const uid = req.sealfold?.user ?? null;
          let names: string[] = [];
          if (c.folderId !== undefined) names = namesOf(deps.store, c.folderId);
          else if (c.davPath !== undefined) names = c.davPath.split('/').filter((s) => s !== '');
          if (c.route === 'meta-data-get' && res.statusCode === 200 && c.folderId !== undefined) {
            const ocs = text === null ? null : parseOcs(text);
            const d = (ocs?.ocs.data as { 'meta-data'?: unknown } | undefined)?.['meta-data'];
            const sig = res.getHeader(SIGNATURE_HEADER);
            if (typeof d === 'string')
              remember(c.folderId, { document: d, signature: typeof sig === 'string' ? sig : '' });
          }
          if (res.statusCode >= 300) return;
          if (c.route === 'log-checkpoint' && uid !== null && text !== null)
            rememberCheckpoint(uid, text);
          for (const a of deps.attacks.match({ route: c.route, user: uid, names })) {
            const bytes =
              chunk instanceof Uint8Array
                ? chunk
                : typeof chunk === 'string'
                  ? new TextEncoder().encode(chunk)
                  : null;
            const cur = bodyText(out.chunk);
            const r = await rewrite(
              a,
              c,
              req,
              res,
              cur ?? text,
              out.chunk instanceof Uint8Array ? out.chunk : bytes,
            );
            const request = `${req.method} ${new URL(req.originalUrl, 'http://x').pathname}`;
            const detail =
              r === null ? 'not applicable to this answer; served unchanged' : r.detail;
            deps.attacks.record({
              id: a.id,
              attack: a.attack as AttackName,
              request,
              user: uid,
              detail,
            });
            deps.log.write({ type: 'attack', attack: a.attack, request, user: uid, detail });
            if (r?.dropSignature === true) res.removeHeader(SIGNATURE_HEADER);
            if (r !== null) keepServed(a.id, c, r, res);
            if (r !== null)
              out = {
                chunk: typeof r.body === 'string' ? r.body : Buffer.from(r.body),
                ...(r.status ? { status: r.status } : {}),
                headers: r.headers ?? {},
              };
          }
        } catch (e) {
          deps.log.write({ type: 'error', error: 'attack failed', message: (e as Error).message });
        } finally {
          if (out.chunk !== chunk) {
            if (out.status !== undefined) res.statusCode = out.status;
            for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
            const len =
              typeof out.chunk === 'string'
                ? Buffer.byteLength(out.chunk)
                : (out.chunk as Buffer).length;
            res.setHeader('content-length', String(len));
            end(out.chunk, ...rest.filter((x) => typeof x === 'function'));
          } else end(chunk, ...rest);
        }
      })();
      return res;
    }) as Response['end'];
    next();
  };
}

/** The catalogue entry of an attack (re-exported for callers of this module). */
export const attackInfo = (name: AttackName) => ATTACKS[name];
