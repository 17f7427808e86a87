/**
 * The OCS share API subset (`/ocs/v{1,2}.php/apps/files_sharing/api/v1/shares`): create a user
 * share, list own and received shares, read and delete one (spec/14-webdav-and-shares.md §7,
 * E2EE-API-250..254). A user share makes the folder visible at the recipient's root under its
 * mount name (the store's `tree.visibleTo` / `listChildren`), where WebDAV and the E2EE API treat
 * it like the recipient's own folder within the granted permissions.
 *
 * Refusals are `SealfoldError`s: NOT_FOUND → 404, FORBIDDEN → 403, INPUT_MALFORMED → 400 through
 * the OCS error handler (`problems.ts`).
 *
 * @module
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { ShareRecord, StoreView } from '../../store/index.js';
import { tree } from '../../store/index.js';
import * as audit from '../../audit.js';
import { SealfoldError } from '../../../../reference/src/errors/index.js';
import type { Deps } from '../context.js';
import { requireUser } from '../context.js';
import { sendOcs } from './envelope.js';

/** `shareType` of a user share (the only type this API creates). */
export const SHARE_TYPE_USER = 0;
/** Every permission bit: read 1, update 2, create 4, delete 8, share 16. */
export const ALL_SHARE_PERMISSIONS = 31;

/** A request parameter from the form/JSON body or the query, as a string (numbers allowed). */
function field(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  const fromBody =
    body !== null && typeof body === 'object' && Object.hasOwn(body, name)
      ? (body as Record<string, unknown>)[name]
      : undefined;
  const q = req.query as Record<string, unknown>;
  const v = fromBody !== undefined ? fromBody : q[name];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string') throw new SealfoldError('INPUT_MALFORMED', `${name} must be a string`);
  return v;
}

/** The share object of the OCS API as `viewer` sees it (spec/schemas/ocs-share.schema.json). */
export function shareJson(
  view: StoreView,
  s: ShareRecord,
  viewer: string,
): Record<string, unknown> {
  const node = tree.getNode(view, s.nodeId)!;
  const seen = tree.visibleTo(view, viewer, s.nodeId);
  const name = (uid: string | null) => (uid ? (view.get('users', uid)?.displayName ?? uid) : null);
  const folder = node.kind === 'folder';
  return {
    id: String(s.id),
    share_type: s.shareType,
    uid_owner: s.owner,
    displayname_owner: name(s.owner),
    permissions: s.permissions,
    stime: Math.floor(s.createdAt / 1000),
    parent: null,
    expiration: null,
    token: null,
    uid_file_owner: node.owner,
    displayname_file_owner: name(node.owner),
    path: seen?.path ?? null,
    item_type: folder ? 'folder' : 'file',
    mimetype: folder ? 'httpd/unix-directory' : 'application/octet-stream',
    storage_id: `home::${node.owner}`,
    item_source: node.id,
    file_source: node.id,
    file_parent: node.parent,
    file_target: `/${s.mountName ?? node.name}`,
    share_with: s.recipient,
    share_with_displayname: name(s.recipient),
    mail_send: 0,
    hide_download: 0,
  };
}

/** The share `raw` (decimal id) if the user created or received it; else 404. */
function visibleShare(view: StoreView, uid: string, raw: string): ShareRecord {
  const s = /^\d{1,15}$/.test(raw) ? view.get('shares', String(Number(raw))) : undefined;
  // E2EE-API-251 (MUST, server): other users' shares do not exist for the caller.
  if (
    s === undefined ||
    s.shareType !== SHARE_TYPE_USER ||
    (s.owner !== uid && s.recipient !== uid)
  )
    throw new SealfoldError('NOT_FOUND', 'Wrong share ID, share does not exist');
  return s;
}

/** Checks a create request; returns what to store (E2EE-API-250). */
function checkCreate(view: StoreView, uid: string, req: Request) {
  const path = field(req, 'path');
  if (path === undefined || path === '')
    throw new SealfoldError('NOT_FOUND', 'Please specify a file or folder path');
  const shareType = field(req, 'shareType');
  // E2EE-API-250 (MUST, server): only user shares (type 0) are created here.
  if (shareType !== String(SHARE_TYPE_USER))
    throw new SealfoldError('INPUT_MALFORMED', 'Unknown share type');
  const rawPerms = field(req, 'permissions');
  const permissions = rawPerms === undefined ? ALL_SHARE_PERMISSIONS : Number(rawPerms);
  if (
    !/^\d{1,2}$/.test(rawPerms ?? '31') ||
    permissions < 1 ||
    permissions > ALL_SHARE_PERMISSIONS ||
    (permissions & 1) === 0
  ) {
    throw new SealfoldError('INPUT_MALFORMED', 'Invalid permissions');
  }
  const shareWith = field(req, 'shareWith');
  if (shareWith === undefined || view.get('users', shareWith) === undefined)
    throw new SealfoldError('NOT_FOUND', 'Please specify a valid user');
  const seen = tree.resolvePath(view, uid, path);
  if (seen === undefined)
    throw new SealfoldError('NOT_FOUND', 'Wrong path, file/folder does not exist');
  const node = seen.node;
  // E2EE-API-250 (MUST, server): owner only, never the root, never oneself, never twice.
  if (node.parent === null)
    throw new SealfoldError('FORBIDDEN', 'You cannot share your root folder');
  if (node.owner !== uid || seen.share !== null)
    throw new SealfoldError('FORBIDDEN', 'Only the owner can share this');
  if (shareWith === uid) throw new SealfoldError('FORBIDDEN', 'Cannot share with yourself');
  if (view.list('shares').some((s) => s.nodeId === node.id && s.recipient === shareWith))
    throw new SealfoldError('FORBIDDEN', 'Path is already shared with this user');
  const parentEncrypted = tree.isInEncryptedTree(view, node.parent);
  // E2EE-API-250 (MUST, server): in an encrypted tree only the top-level folder is shared, because
  // the metadata key that the clients rotate belongs to it.
  if (parentEncrypted)
    throw new SealfoldError('FORBIDDEN', 'Only the top-level encrypted folder can be shared');
  return { node, shareWith, permissions };
}

/** The share router factory (area `ocs`, path `/apps/files_sharing/api/v1`). */
export function sharesRouter(deps: Deps): Router {
  const r = Router();
  r.post('/shares', createShare(deps));
  r.get('/shares', listShares(deps));
  r.get('/shares/:id', getShare(deps));
  r.delete('/shares/:id', deleteShare(deps));
  return r;
}

/** POST /shares */
function createShare({ store, clock }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const { node, shareWith, permissions } = checkCreate(store, uid, req);
    const now = clock.now();
    const share = store.transact((tx) => {
      const id = tx.nextId('shareId');
      const rec: ShareRecord = {
        id,
        shareType: SHARE_TYPE_USER,
        owner: uid,
        nodeId: node.id,
        recipient: shareWith,
        token: null,
        // Nextcloud grants no create/delete on files.
        permissions: node.kind === 'file' ? permissions & 19 : permissions,
        mountName: tree.uniqueMountName(tx, shareWith, node.name),
        createdAt: now,
      };
      tx.put('shares', String(id), rec);
      // E2EE-API-254 (MUST, server): every share change is audited in the same transaction.
      audit.append(tx, {
        time: now,
        actor: uid,
        action: 'share.create',
        object: `share:${id}`,
        details: { node: node.id, recipient: shareWith, permissions: rec.permissions },
      });
      return rec;
    });
    sendOcs(req, res, shareJson(store, share, uid));
  };
}

/** GET /shares */
function listShares({ store }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const withMe = field(req, 'shared_with_me');
    const path = field(req, 'path');
    // E2EE-API-251 (MUST, server): own shares, or with shared_with_me=true the received ones.
    let list =
      withMe === 'true'
        ? tree.sharesReceived(store, uid)
        : store.list('shares').filter((s) => s.owner === uid && s.shareType === SHARE_TYPE_USER);
    if (path !== undefined) {
      const seen = tree.resolvePath(store, uid, path);
      if (seen === undefined)
        throw new SealfoldError('NOT_FOUND', 'Wrong path, file/folder does not exist');
      list = list.filter((s) => s.nodeId === seen.node.id);
    }
    sendOcs(
      req,
      res,
      list.sort((a, b) => a.id - b.id).map((s) => shareJson(store, s, uid)),
    );
  };
}

/** GET /shares/:id */
function getShare({ store }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const s = visibleShare(store, uid, String(req.params['id']));
    sendOcs(req, res, [shareJson(store, s, uid)]);
  };
}

/** DELETE /shares/:id */
function deleteShare({ store, clock }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const s = visibleShare(store, uid, String(req.params['id']));
    const now = clock.now();
    store.transact((tx) => {
      // E2EE-API-252 (MUST, server): owner or recipient removes the share.
      tx.del('shares', String(s.id));
      audit.append(tx, {
        time: now,
        actor: uid,
        action: 'share.delete',
        object: `share:${s.id}`,
        details: {
          node: s.nodeId,
          recipient: s.recipient ?? '',
          permissions: s.permissions,
          by: uid === s.owner ? 'owner' : 'recipient',
        },
      });
    });
    sendOcs(req, res, []);
  };
}
