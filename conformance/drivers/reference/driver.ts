/**
 * The reference driver: the driver protocol (spec/18-driver-protocol.md) over the reference
 * client's public API. It is the suite's own oracle in every role the vendor does not play, and
 * the example a vendor copies. Every folder method first re-reads and verifies the folder (the
 * reference client's `openTopFolder`), so a method acts on the server's current, verified state.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import {
  createTopFolder,
  downloadFile,
  dropFile,
  enrol,
  makeSubfolder,
  mergeDroppedFiles,
  openTopFolder,
  recover,
  removeFile,
  renameFileTo,
  shareFolder,
  unshareFolder,
  uploadFile,
  PersistentRecoveryGate,
  serverIdOf,
  type Device,
  type FolderHandle,
} from '../../../reference/src/client/index.js';
import type {
  RecoveryKeyEvent,
  RecoveryTrustAnchor,
} from '../../../reference/src/recovery-key/index.js';
import {
  certificateFingerprint,
  spkiFingerprint,
  StatePinStore,
} from '../../../reference/src/certs/index.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { MemoryStateStore } from '../../../reference/src/state/index.js';
import { RPC_CODES, RpcError, type DriverHandler } from './rpc.js';
import { deviceLog, logConfigOf, type DeviceLog } from './log.js';

/** The profiles and features the reference driver claims. */
export const REFERENCE_HELLO = {
  name: 'sealfold-reference',
  vendor: 'Sealfold',
  driverApi: '1',
  profiles: [
    'client-identity',
    'client-core',
    'client-sharing',
    'client-filedrop',
    'client-log',
    'client-recovery-key',
  ],
  // The harness needs the mnemonic to recover the reference's enrolment on a vendor device.
  features: ['expose-secrets'],
};

interface Session {
  baseUrl: string;
  userId: string;
  password: string;
  workDir: string;
}

const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function obj(params: unknown): Record<string, unknown> {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new RpcError(RPC_CODES.invalidParams, 'params must be an object');
  }
  return params as Record<string, unknown>;
}

function str(p: Record<string, unknown>, name: string): string {
  const v = p[name];
  if (typeof v !== 'string' || v === '') {
    throw new RpcError(RPC_CODES.invalidParams, `${name} must be a non-empty string`);
  }
  return v;
}

/** Splits `a/b/c` into its segments; refuses empty, `.` and `..` segments. */
function segments(path: string): string[] {
  const parts = path.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) {
    throw new RpcError(RPC_CODES.invalidParams, 'a path segment is empty, . or ..');
  }
  return parts;
}

/** The folder id of the folder at `parts` below the root, or undefined. */
function folderIdAt(handle: FolderHandle, parts: readonly string[]): string | undefined {
  let id = handle.state.rootId;
  for (const name of parts) {
    const doc = handle.state.docs[id];
    const next = doc && Object.entries(doc.folders).find(([, n]) => n === name)?.[0];
    if (next === undefined) return undefined;
    id = next;
  }
  return id;
}

/** The file id of `name` (`sub/file.txt`) below the root. */
function fileIdAt(handle: FolderHandle, name: string): string {
  const parts = segments(name);
  const folderId = folderIdAt(handle, parts.slice(0, -1));
  const doc = folderId === undefined ? undefined : handle.state.docs[folderId];
  const id = doc && Object.entries(doc.files).find(([, f]) => f.filename === parts.at(-1))?.[0];
  if (id === undefined)
    throw new RpcError(RPC_CODES.protocolRejected, 'no such file', { e2eeCode: 'NOT_FOUND' });
  return id;
}

/** Every entry of the tree, sorted by path (decrypted names). */
function entriesOf(handle: FolderHandle): Array<{ path: string; kind: 'file' | 'folder' }> {
  const out: Array<{ path: string; kind: 'file' | 'folder' }> = [];
  const walk = (id: string, prefix: string, depth: number) => {
    const doc = handle.state.docs[id];
    if (!doc || depth > 64) return;
    for (const f of Object.values(doc.files)) out.push({ path: prefix + f.filename, kind: 'file' });
    for (const [sub, name] of Object.entries(doc.folders)) {
      out.push({ path: prefix + name, kind: 'folder' });
      walk(sub, `${prefix}${name}/`, depth + 1);
    }
  };
  walk(handle.state.rootId, '', 0);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A canonical digest of a key-value store's entries. */
async function storeDigest(store: MemoryStateStore): Promise<string> {
  const h = createHash('sha256');
  for (const k of await store.keys()) h.update(`${k}\n${JSON.stringify(await store.get(k))}\n`);
  return h.digest('hex');
}

/** Maps what the reference client threw to a JSON-RPC error (E2EE-DRV-042). */
function rejection(e: unknown): unknown {
  if (e instanceof RpcError) return e;
  // E2EE-DRV-042 (MUST, client): a protocol rejection carries the spec's error code.
  if (isSealfoldError(e))
    return new RpcError(RPC_CODES.protocolRejected, e.message, { e2eeCode: e.code });
  return e;
}

/** A gate event as the protocol reports it: the folder's path instead of its server id. */
function eventOf(e: RecoveryKeyEvent, folders: ReadonlyMap<string, string>) {
  const { rootId, scopeUsers, ...rest } = e;
  const folder = rootId === undefined ? undefined : folders.get(rootId);
  return {
    ...rest,
    ...(scopeUsers ? { scopeUsers: [...scopeUsers] } : {}),
    ...(folder !== undefined ? { folder } : {}),
  };
}

/** A fresh reference driver: one device of one user. */
export function createReferenceDriver(): DriverHandler {
  let session: Session | undefined;
  let device: Device | undefined;
  const pinState = new MemoryStateStore();
  const pins = new StatePinStore(pinState);
  const state = new MemoryStateStore();
  /** The last verified view of each top folder (for state.fingerprint, no network). */
  const views = new Map<string, FolderHandle>();
  /** The transparency log verification, once `log.configure` turned it on. */
  let log: DeviceLog | undefined;
  const withLog = () => (log ? { witness: log.witness } : {});
  /** The recovery-key trust anchor (recovery.configure) and the gate built on it. */
  let anchor: RecoveryTrustAnchor | undefined;
  let gate: PersistentRecoveryGate | undefined;
  /** Server folder id → top-folder path, to name folders in recovery events. */
  const folderPaths = new Map<string, string>();

  const configured = (): Session => {
    if (!session) throw new RpcError(RPC_CODES.precondition, 'session.configure first');
    return session;
  };
  const enrolled = (): Device => {
    if (!device) throw new RpcError(RPC_CODES.precondition, 'enrol or recover first');
    return device;
  };
  const account = () => {
    const s = configured();
    return { baseUrl: s.baseUrl, userId: s.userId, password: s.password };
  };
  /** A path inside the work folder (E2EE-DRV-033). */
  const inWorkDir = (path: string): string => {
    const root = configured().workDir;
    const full = resolve(root, path);
    const rel = relative(root, full);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new RpcError(RPC_CODES.invalidParams, 'the path is outside the work folder');
    }
    return full;
  };
  const readSource = (p: Record<string, unknown>): Uint8Array => {
    const source = obj(p.source);
    const content = new Uint8Array(readFileSync(inWorkDir(str(source, 'path'))));
    // E2EE-DRV-033 (MUST, client): content whose hash differs from the announced one is refused.
    if (sha256Hex(content) !== str(source, 'sha256')) {
      throw new RpcError(RPC_CODES.invalidParams, 'source.sha256 does not match the file');
    }
    return content;
  };
  /** Builds the gate once both the device and the anchor exist (spec/20 §4). */
  const attachGate = async () => {
    if (!device || !anchor) return;
    gate = await PersistentRecoveryGate.load({
      state,
      userId: device.userId,
      serverId: serverIdOf(device.ctx.account),
      anchor,
    });
    device = { ...device, recovery: gate };
  };
  const recoveryGate = (): PersistentRecoveryGate => {
    enrolled();
    if (!gate) throw new RpcError(RPC_CODES.precondition, 'recovery.configure first');
    return gate;
  };
  const open = async (folder: string): Promise<FolderHandle> => {
    // E2EE-RKEY-020 (MUST, client): a recovery-aware device looks at the served statement before
    // it reads (and may then write) a folder, so a swap stops wrapping at once (E2EE-RKEY-803, E2EE-RKEY-804).
    if (gate) await gate.sync(enrolled().ctx);
    const h = await openTopFolder(enrolled(), folder);
    views.set(folder, h);
    folderPaths.set(h.state.rootId, folder);
    // E2EE-RKEY-032 (MUST, client): a consented folder is checked for its wrap on every read.
    if (gate?.consented(h.state.rootId))
      await gate.folderState(enrolled().ctx, h.state.rootId, h.state.members);
    return h;
  };
  const keep = (folder: string, h: FolderHandle) => {
    views.set(folder, h);
    folderPaths.set(h.state.rootId, folder);
  };

  const methods: Record<string, (p: Record<string, unknown>) => Promise<unknown>> = {
    'driver.hello': async () => ({ ...REFERENCE_HELLO, version: '1' }),
    'session.configure': async (p) => {
      const server = obj(p.server);
      const acc = obj(p.account);
      const next: Session = {
        baseUrl: str(server, 'baseUrl').replace(/\/+$/, ''),
        userId: str(acc, 'userId'),
        password: str(acc, 'password'),
        workDir: str(p, 'workDir'),
      };
      // E2EE-DRV-012 (MUST, client): configuring again with the same values changes nothing.
      if (session && JSON.stringify(session) !== JSON.stringify(next) && device) {
        throw new RpcError(RPC_CODES.precondition, 'already enrolled under another session');
      }
      session = next;
      mkdirSync(next.workDir, { recursive: true });
      return {};
    },
    'identity.enroll': async () => {
      if (device) throw new RpcError(RPC_CODES.precondition, 'already enrolled');
      const r = await enrol({ account: account(), pins, state, ...withLog() });
      device = r.device;
      await attachGate();
      return {
        certFingerprintSha256: certificateFingerprint(r.device.certificate),
        mnemonic: r.mnemonic,
      };
    },
    'identity.recover': async (p) => {
      if (device) throw new RpcError(RPC_CODES.precondition, 'already enrolled');
      const words = p.mnemonic;
      if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
        throw new RpcError(RPC_CODES.invalidParams, 'mnemonic must be an array of words');
      }
      device = await recover({
        account: account(),
        pins,
        state,
        mnemonic: words as string[],
        ...withLog(),
      });
      await attachGate();
      return { certFingerprintSha256: certificateFingerprint(device.certificate) };
    },
    'identity.status': async () => ({
      enrolled: device !== undefined,
      certFingerprintSha256: device ? certificateFingerprint(device.certificate) : null,
      serverKeyFingerprintSha256: device ? spkiFingerprint(device.serverPublicKey) : null,
    }),
    'folder.create': async (p) => {
      const parts = segments(str(p, 'path'));
      const top = parts[0]!;
      if (parts.length === 1) {
        keep(top, await createTopFolder(enrolled(), top));
      } else {
        const h = await open(top);
        const parent = folderIdAt(h, parts.slice(1, -1));
        if (parent === undefined) {
          throw new RpcError(RPC_CODES.protocolRejected, 'no such parent folder', {
            e2eeCode: 'NOT_FOUND',
          });
        }
        keep(top, (await makeSubfolder(enrolled(), h, parts.at(-1)!, parent)).handle);
      }
      return { path: parts.join('/') };
    },
    'folder.list': async (p) => ({ entries: entriesOf(await open(str(p, 'folder'))) }),
    'file.upload': async (p) => {
      const folder = str(p, 'folder');
      const parts = segments(str(p, 'name'));
      const content = readSource(p);
      const h = await open(folder);
      const folderId = folderIdAt(h, parts.slice(0, -1));
      if (folderId === undefined) {
        throw new RpcError(RPC_CODES.protocolRejected, 'no such folder', { e2eeCode: 'NOT_FOUND' });
      }
      const r = await uploadFile(enrolled(), h, { filename: parts.at(-1)!, content, folderId });
      keep(folder, r.handle);
      return { plainSha256: sha256Hex(content), size: content.length };
    },
    'file.download': async (p) => {
      const folder = str(p, 'folder');
      const h = await open(folder);
      const dest = inWorkDir(str(obj(p.dest), 'path'));
      // E2EE-DRV-026 (MUST, client): nothing is written unless the body authenticated.
      const plain = await downloadFile(enrolled(), h, fileIdAt(h, str(p, 'name')));
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, plain);
      return { plainSha256: sha256Hex(plain), size: plain.length };
    },
    'file.rename': async (p) => {
      const folder = str(p, 'folder');
      const h = await open(folder);
      const newName = str(p, 'newName');
      if (newName.includes('/'))
        throw new RpcError(RPC_CODES.invalidParams, 'newName is a name, not a path');
      keep(folder, await renameFileTo(enrolled(), h, fileIdAt(h, str(p, 'name')), newName));
      return {};
    },
    'file.delete': async (p) => {
      const folder = str(p, 'folder');
      const h = await open(folder);
      keep(folder, await removeFile(enrolled(), h, fileIdAt(h, str(p, 'name'))));
      return {};
    },
    'share.add': async (p) => {
      const folder = str(p, 'folder');
      keep(folder, await shareFolder(enrolled(), await open(folder), str(p, 'userId')));
      return {};
    },
    'share.remove': async (p) => {
      const folder = str(p, 'folder');
      keep(folder, (await unshareFolder(enrolled(), await open(folder), str(p, 'userId'))).handle);
      return {};
    },
    'filedrop.put': async (p) => {
      const parts = segments(str(p, 'name'));
      if (parts.length !== 1)
        throw new RpcError(RPC_CODES.invalidParams, 'a dropped file has a name, not a path');
      const r = await dropFile(enrolled(), str(p, 'folder'), {
        filename: parts[0]!,
        content: readSource(p),
      });
      return { recipients: [...r.recipients].sort() };
    },
    'sync.refresh': async (p) => {
      const folder = str(p, 'folder');
      let h = await open(folder);
      let merged: string[] | undefined;
      if (p.mergeFiledrop === true && Object.keys(h.state.filedrop).length > 0) {
        const r = await mergeDroppedFiles(enrolled(), h);
        h = r.handle;
        keep(folder, h);
        merged = r.merged;
      }
      return { counter: h.state.docs[h.state.rootId]!.counter, ...(merged ? { merged } : {}) };
    },
    'state.fingerprint': async (p) => {
      const h = views.get(str(p, 'folder'));
      const trust = createHash('sha256')
        .update(await storeDigest(pinState))
        .update(await storeDigest(state))
        .update(JSON.stringify(log?.trust() ?? null))
        .digest('hex');
      return {
        folder: h
          ? {
              path: h.rootPath,
              counter: h.state.docs[h.state.rootId]!.counter,
              metadataKeySha256: sha256Hex(h.state.metadataKey),
              members: h.state.members.map((m) => m.userId).sort(),
              entries: entriesOf(h),
            }
          : null,
        trustSha256: trust,
      };
    },
    'log.configure': async (p) => {
      const config = logConfigOf(p);
      // E2EE-DRV-130 (MUST, client): the same configuration again changes nothing.
      if (log !== undefined && JSON.stringify(log.config) === JSON.stringify(config)) return {};
      if (log !== undefined)
        throw new RpcError(RPC_CODES.precondition, 'the log is configured with other witnesses');
      log = deviceLog({ account: account() }, config);
      if (device) device = { ...device, witness: log.witness };
      return {};
    },
    'log.status': async () => {
      if (log === undefined) throw new RpcError(RPC_CODES.precondition, 'log.configure first');
      return log.status();
    },
    'recovery.configure': async (p) => {
      const a = obj(p.anchor);
      const hex = (name: string) => {
        const v = a[name];
        if (v === undefined) return {};
        if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))
          throw new RpcError(RPC_CODES.invalidParams, `anchor.${name} must be 64 hex digits`);
        return { [name]: v };
      };
      const next = { ...hex('signerKeySha256'), ...hex('recoveryKeySha256') };
      if (Object.keys(next).length === 0)
        throw new RpcError(RPC_CODES.invalidParams, 'the anchor names no fingerprint');
      configured();
      anchor = next;
      await attachGate();
      return {};
    },
    'recovery.events': async () => {
      const g = recoveryGate();
      await g.sync(enrolled().ctx);
      return { events: g.warnings().map((e) => eventOf(e, folderPaths)) };
    },
    'recovery.consent': async (p) => {
      const g = recoveryGate();
      const h = await open(str(p, 'folder'));
      // E2EE-RKEY-024 (MUST, client): the gate refuses a consent to anything but the pinned key.
      await g.consent(h.state.rootId, str(p, 'recoveryKeySha256'));
      return {};
    },
    'recovery.folder': async (p) => {
      const g = recoveryGate();
      const h = await open(str(p, 'folder'));
      const f = await g.folderState(enrolled().ctx, h.state.rootId, h.state.members);
      return {
        consented: f.consented,
        wrapped: f.wrapped,
        missing: f.event?.kind === 'recovery-wrap-missing',
        recoveryKeySha256: f.wrap?.recoveryKeySha256 ?? null,
      };
    },
    'driver.shutdown': async () => ({}),
  };

  return {
    async handle(method, params) {
      const fn = Object.hasOwn(methods, method) ? methods[method] : undefined;
      if (!fn) throw new RpcError(RPC_CODES.methodNotFound, `unknown method ${method}`);
      try {
        return await fn(obj(params));
      } catch (e) {
        throw rejection(e);
      }
    },
  };
}
