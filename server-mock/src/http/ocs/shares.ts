/**
 * The OCS share API subset (`/ocs/v{1,2}.php/apps/files_sharing/api/v1/shares`): create a user
 * share or a link share, list own and received shares, read and delete one
 * (spec/14-webdav-and-shares.md §7, E2EE-API-250..254, E2EE-API-430, E2EE-API-431). A user share makes the folder visible at the recipient's root under its
 * mount name (the store's `tree.visibleTo` / `listChildren`), where WebDAV and the E2EE API treat
 * it like the recipient's own folder within the granted permissions. A link share has no
 * recipient: its token is the capability that anonymous key reads and filedrop uploads present.
 *
 * Refusals are `SealfoldError`s: NOT_FOUND → 404, FORBIDDEN → 403, INPUT_MALFORMED → 400 through
 * the OCS error handler (`problems.ts`).
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import type { NodeRecord, ShareRecord, StoreView } from '../../store/index.js';
import { tree } from '../../store/index.js';
import * as audit from '../../audit.js';
import { SealfoldError } from '../../../../reference/src/errors/index.js';
import type { Deps } from '../context.js';
import { requireUser } from '../context.js';
import { sendOcs } from './envelope.js';

/** `shareType` of a user share. */
export const SHARE_TYPE_USER = 0;
/** `shareType` of a public link share. */
export const SHARE_TYPE_LINK = 3;
/** Nextcloud's default link-token length (`shareapi_token_length`). */
const LINK_TOKEN_LENGTH = 15;
/** Nextcloud's `ISecureRandom::CHAR_HUMAN_READABLE`: no 0/O, 1/l/I look-alikes. */
const LINK_TOKEN_ALPHABET = 'abcdefgijkmnopqrstwxyzABCDEFGHJKLMNPQRSTWXYZ23456789';
/** Link-share permissions Nextcloud offers for a folder: read, file drop, read+create, edit. */
const LINK_FOLDER_PERMISSIONS: readonly number[] = [1, 4, 5, 15];

/** A fresh link token from the CSPRNG (E2EE-API-430: unguessable, `[A-Za-z0-9]`). */
function newLinkToken(): string {
  let token = '';
  for (let i = 0; i < LINK_TOKEN_LENGTH; i++)
    token += LINK_TOKEN_ALPHABET[randomInt(LINK_TOKEN_ALPHABET.length)];
  return token;
}
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
  origin: string,
): Record<string, unknown> {
  const node = tree.getNode(view, s.nodeId)!;
  const seen = tree.visibleTo(view, viewer, s.nodeId);
  const name = (uid: string | null) => (uid ? (view.get('users', uid)?.displayName ?? uid) : null);
  const folder = node.kind === 'folder';
  const link = s.shareType === SHARE_TYPE_LINK;
  return {
    id: String(s.id),
    share_type: s.shareType,
    uid_owner: s.owner,
    displayname_owner: name(s.owner),
    permissions: s.permissions,
    stime: Math.floor(s.createdAt / 1000),
    parent: null,
    expiration: null,
    token: s.token,
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
    share_with_displayname: link ? '(Shared link)' : name(s.recipient),
    ...(link && s.token !== null ? { url: `${origin}/index.php/s/${s.token}` } : {}),
    mail_send: 0,
    hide_download: 0,
  };
}

/** The share `raw` (decimal id) if the user created or received it; else 404. */
function visibleShare(view: StoreView, uid: string, raw: string): ShareRecord {
  const s = /^\d{1,15}$/.test(raw) ? view.get('shares', String(Number(raw))) : undefined;
  // E2EE-API-251 (MUST, server): other users' shares do not exist for the caller.
  // E2EE-API-431 (MUST, server): a link share is the owner's only.
  if (s === undefined || (s.owner !== uid && s.recipient !== uid))
    throw new SealfoldError('NOT_FOUND', 'Wrong share ID, share does not exist');
  return s;
}

/** What a valid create request stores: a user share (`shareWith`) or a link share (null). */
interface CreateRequest {
  node: NodeRecord;
  shareWith: string | null;
  permissions: number;
}

/** `permissions` as a number (`fallback` when absent); 400 when it is not 1–2 digits. */
function permissionsField(req: Request, fallback: number): number {
  const raw = field(req, 'permissions');
  if (raw !== undefined && !/^\d{1,2}$/.test(raw))
    throw new SealfoldError('INPUT_MALFORMED', 'Invalid permissions');
  return raw === undefined ? fallback : Number(raw);
}

/** Checks a create request; returns what to store (E2EE-API-250, E2EE-API-430). */
function checkCreate(view: StoreView, uid: string, req: Request): CreateRequest {
  const path = field(req, 'path');
  if (path === undefined || path === '')
    throw new SealfoldError('NOT_FOUND', 'Please specify a file or folder path');
  const shareType = field(req, 'shareType');
  const link = shareType === String(SHARE_TYPE_LINK);
  // E2EE-API-250 (MUST, server): only user shares (type 0) and link shares (type 3) are created.
  if (shareType !== String(SHARE_TYPE_USER) && !link)
    throw new SealfoldError('INPUT_MALFORMED', 'Unknown share type');
  const permissions = permissionsField(req, link ? 1 : ALL_SHARE_PERMISSIONS);
  if (
    !link &&
    (permissions < 1 || permissions > ALL_SHARE_PERMISSIONS || (permissions & 1) === 0)
  ) {
    throw new SealfoldError('INPUT_MALFORMED', 'Invalid permissions');
  }
  const shareWith = link ? null : field(req, 'shareWith');
  if (shareWith === undefined || (shareWith !== null && view.get('users', shareWith) === undefined))
    throw new SealfoldError('NOT_FOUND', 'Please specify a valid user');
  const seen = tree.resolvePath(view, uid, path);
  if (seen === undefined)
    throw new SealfoldError('NOT_FOUND', 'Wrong path, file/folder does not exist');
  const node = seen.node;
  // E2EE-API-430 (MUST, server): a link share of a folder is read, file drop, read+create or edit;
  // of a file, read only.
  if (link && !(node.kind === 'folder' ? LINK_FOLDER_PERMISSIONS : [1]).includes(permissions))
    throw new SealfoldError('INPUT_MALFORMED', 'Invalid permissions for a link share');
  // E2EE-API-250 (MUST, server): owner only, never the root, never oneself, never twice.
  if (node.parent === null)
    throw new SealfoldError('FORBIDDEN', 'You cannot share your root folder');
  if (node.owner !== uid || seen.share !== null)
    throw new SealfoldError('FORBIDDEN', 'Only the owner can share this');
  if (shareWith === uid) throw new SealfoldError('FORBIDDEN', 'Cannot share with yourself');
  if (
    shareWith !== null &&
    view.list('shares').some((s) => s.nodeId === node.id && s.recipient === shareWith)
  )
    throw new SealfoldError('FORBIDDEN', 'Path is already shared with this user');
  const parentEncrypted = tree.isInEncryptedTree(view, node.parent);
  // E2EE-API-250 (MUST, server): in an encrypted tree only the top-level folder is shared, because
  // the metadata key that the clients rotate belongs to it (E2EE-API-430: link shares too).
  if (parentEncrypted)
    throw new SealfoldError('FORBIDDEN', 'Only the top-level encrypted folder can be shared');
  return { node, shareWith, permissions };
}

/** The scheme and host the caller used, for a link share's absolute `url`. */
function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
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
        shareType: shareWith === null ? SHARE_TYPE_LINK : SHARE_TYPE_USER,
        owner: uid,
        nodeId: node.id,
        recipient: shareWith,
        token: shareWith === null ? newLinkToken() : null,
        // Nextcloud grants no create/delete on files.
        permissions: node.kind === 'file' ? permissions & 19 : permissions,
        mountName: shareWith === null ? null : tree.uniqueMountName(tx, shareWith, node.name),
        createdAt: now,
      };
      tx.put('shares', String(id), rec);
      // E2EE-API-254 (MUST, server): every share change is audited in the same transaction.
      audit.append(tx, {
        time: now,
        actor: uid,
        action: 'share.create',
        object: `share:${id}`,
        // E2EE-API-430 (MUST, server): a link share is audited by its id, never its token.
        details: { node: node.id, recipient: shareWith ?? 'link', permissions: rec.permissions },
      });
      return rec;
    });
    sendOcs(req, res, shareJson(store, share, uid, originOf(req)));
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
        : // E2EE-API-431 (MUST, server): the caller's link shares are listed with the user shares.
          store.list('shares').filter((s) => s.owner === uid);
    if (path !== undefined) {
      const seen = tree.resolvePath(store, uid, path);
      if (seen === undefined)
        throw new SealfoldError('NOT_FOUND', 'Wrong path, file/folder does not exist');
      list = list.filter((s) => s.nodeId === seen.node.id);
    }
    sendOcs(
      req,
      res,
      list.sort((a, b) => a.id - b.id).map((s) => shareJson(store, s, uid, originOf(req))),
    );
  };
}

/** GET /shares/:id */
function getShare({ store }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const s = visibleShare(store, uid, String(req.params['id']));
    sendOcs(req, res, [shareJson(store, s, uid, originOf(req))]);
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
      // E2EE-API-431 (MUST, server): a link share's keys go with it (app 2.x ShareDeletedListener).
      if (s.token !== null) {
        tx.del('privateKeys', `s:${s.token}`);
        tx.del('publicKeys', `s:${s.token}`);
      }
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
