/**
 * A user's WebDAV view of the file tree: resolving request paths (own nodes and received share
 * mounts, E2EE-API-202), hiding staged names inside encrypted trees (E2EE-API-806, E2EE-API-807, E2EE-API-808) and computing
 * the WebDAV properties of a node (E2EE-API-213, E2EE-API-822..824, E2EE-API-216).
 *
 * @module
 */
import type { NodeRecord, StoreView } from '../../store/index.js';
import { tree } from '../../store/index.js';
import type { Visible } from '../../store/tree.js';
import type { Profile } from '../../config.js';
import type { FaultSwitches } from '../../faults.js';
import {
  DELETE_SUFFIX,
  SAVE_SUFFIX,
  hasReservedSuffix,
  readE2eeState,
  stripSuffix,
  visibleName,
} from '../../e2ee/index.js';
import { NS, type PropName, type PropValue } from './_xml.js';

/** A node as addressed in one user's tree. */
export interface DavNode {
  readonly v: Visible;
  /** Names from the user's root as the user sees them (mount names, staged suffixes removed). */
  readonly segments: readonly string[];
}

const P = (ns: string, local: string): PropName => `{${ns}}${local}`;

/** Every property the server knows, in the order `allprop` and `propname` list them. */
export const PROPS = {
  getetag: P(NS.d, 'getetag'),
  getlastmodified: P(NS.d, 'getlastmodified'),
  getcontentlength: P(NS.d, 'getcontentlength'),
  getcontenttype: P(NS.d, 'getcontenttype'),
  resourcetype: P(NS.d, 'resourcetype'),
  displayname: P(NS.d, 'displayname'),
  fileid: P(NS.oc, 'fileid'),
  id: P(NS.oc, 'id'),
  size: P(NS.oc, 'size'),
  permissions: P(NS.oc, 'permissions'),
  isEncrypted: P(NS.nc, 'is-encrypted'),
  e2eeIsEncrypted: P(NS.nc, 'e2ee-is-encrypted'),
  e2eeMetadata: P(NS.nc, 'e2ee-metadata'),
  e2eeMetadataSignature: P(NS.nc, 'e2ee-metadata-signature'),
} as const;

/** `allprop` leaves out the (possibly large) metadata properties; they must be asked for. */
export const ALLPROP_EXCLUDED: readonly PropName[] = [
  PROPS.e2eeMetadata,
  PROPS.e2eeMetadataSignature,
];

/** Nextcloud's instance id form: `oc` + 10 lowercase letters or digits (stable across restarts). */
export const INSTANCE_ID = 'ocsealfold01';

/** `OC-FileId` / `oc:id`: the id zero-padded to 8 digits, then the instance id (E2EE-API-230). */
export function ocFileId(id: number): string {
  return String(id).padStart(8, '0') + INSTANCE_ID;
}

/** True when the node or an ancestor carries the E2EE flag. */
export function inEncryptedTree(view: StoreView, id: number): boolean {
  return tree.isInEncryptedTree(view, id);
}

/**
 * True when `node` is a delete staged under a lock in a plain folder: the top encrypted folder,
 * whose staged delete lives in its unencrypted parent (E2EE-LOCK-044). Plain folders may hold
 * ordinary names with the suffix, so the engine's record decides, not the name.
 */
function isPendingDelete(view: StoreView, node: NodeRecord): boolean {
  if (!node.encrypted || !node.name.endsWith(DELETE_SUFFIX)) return false;
  const staged = readE2eeState(view).staged;
  return Object.values(staged).some((list) =>
    list.some((e) => e.id === node.id && e.op === 'delete'),
  );
}

/** The child named `name` of folder `parent`, as the user addresses it (E2EE-API-808). */
function childFor(view: StoreView, parent: NodeRecord, name: string): NodeRecord | undefined {
  if (!inEncryptedTree(view, parent.id)) {
    // E2EE-API-807 (MUST, server): a top encrypted folder deleted under a lock keeps its name
    // until the commit, and its staged name cannot be addressed.
    const exact = tree.childByName(view, parent.id, name);
    if (exact !== undefined) return isPendingDelete(view, exact) ? undefined : exact;
    const pending = tree.childByName(view, parent.id, name + DELETE_SUFFIX);
    return pending !== undefined && isPendingDelete(view, pending) ? pending : undefined;
  }
  // Inside an encrypted tree, staged names do not exist for clients; a name deleted under a
  // lock stays readable until the commit (E2EE-LOCK-047).
  if (hasReservedSuffix(name)) return undefined;
  return (
    tree.childByName(view, parent.id, name) ??
    tree.childByName(view, parent.id, name + DELETE_SUFFIX)
  );
}

/**
 * Resolves a path in `uid`'s tree (E2EE-API-202): own nodes, and received shares at the root
 * under their mount names. Undefined when the user cannot see it.
 */
export function resolveDav(
  view: StoreView,
  uid: string,
  segments: readonly string[],
): DavNode | undefined {
  const root = tree.userRoot(view, uid);
  if (root === undefined) return undefined;
  let cur: NodeRecord | undefined = root;
  for (let i = 0; i < segments.length && cur !== undefined; i++) {
    const seg = segments[i]!;
    if (cur.kind !== 'folder') return undefined;
    let next = childFor(view, cur, seg);
    if (next === undefined && i === 0) {
      const share = tree.sharesReceived(view, uid).find((s) => s.mountName === seg);
      next = share ? tree.getNode(view, share.nodeId) : undefined;
    }
    cur = next;
  }
  if (cur === undefined) return undefined;
  const v = tree.visibleTo(view, uid, cur.id);
  return v ? { v, segments: [...segments] } : undefined;
}

/**
 * The children of a folder as the user lists them (staged saves hidden, deletes renamed back).
 * `faults` is given by the PROPFIND listing, whose hiding of staged saves a switch can break.
 */
export function listDav(
  view: StoreView,
  uid: string,
  folder: DavNode,
  faults?: FaultSwitches,
): DavNode[] {
  const encrypted = inEncryptedTree(view, folder.v.node.id);
  const out = new Map<string, DavNode>();
  for (const v of tree.listChildren(view, uid, folder.v.node.id)) {
    const stored = v.path.slice(v.path.lastIndexOf('/') + 1);
    // E2EE-API-806, E2EE-API-807 (MUST, server): staged saves are not listed, staged deletes keep their name.
    const shown = encrypted || isPendingDelete(view, v.node) ? visibleName(stored) : stored;
    // E2EE-LOCK-046 (MUST, server): readers see only committed state until the unlock.
    const name =
      shown ?? (faults?.on('staged-saves-listed') ? stripSuffix(stored, SAVE_SUFFIX) : null);
    if (name === null) continue;
    // A committed name wins over a staged delete of the same name.
    if (out.has(name) && stored !== name) continue;
    out.set(name, { v, segments: [...folder.segments, name] });
  }
  return [...out.values()].sort((a, b) => (a.segments.at(-1)! < b.segments.at(-1)! ? -1 : 1));
}

/** Total content size below (or of) a node. */
export function sizeOf(view: StoreView, node: NodeRecord): number {
  if (node.kind === 'file') return node.content?.length ?? 0;
  return view.childrenOf(node.id).reduce((sum, c) => sum + sizeOf(view, c), 0);
}

/**
 * `oc:permissions` (E2EE-API-216), in Nextcloud's order: S R M G D N V W C K.
 * A non-E2EE client sees an empty string for anything in an encrypted tree.
 */
export function permissionString(view: StoreView, d: DavNode, e2eeClient: boolean): string {
  const { node, share, permissions: bits } = d.v;
  if (!e2eeClient && inEncryptedTree(view, node.id)) return '';
  let p = '';
  if (share !== null) p += 'S';
  if (bits & 16) p += 'R';
  if (share !== null) p += 'M';
  if (bits & 1) p += 'G';
  if (bits & 8) p += 'D';
  if (bits & 2) p += 'N';
  if (bits & 2 && bits & 8) p += 'V';
  if (node.kind === 'file' && bits & 2) p += 'W';
  if (node.kind === 'folder' && bits & 4) p += 'CK';
  return p;
}

/** What property values depend on besides the node. */
export interface PropEnv {
  readonly profile: Profile;
  readonly e2eeClient: boolean;
  /** The server's fault switches, where the caller has them (PROPFIND). */
  readonly faults?: FaultSwitches;
  /**
   * Serve `nc:e2ee-metadata*` to clients that are not E2EE clients too (SEARCH, E2EE-API-271: the
   * real app's property handler does not look at the client).
   */
  readonly metadataForEveryClient?: boolean;
  /** Committed metadata of a folder (document and signature), if any. */
  readonly metadata: (id: number) => { doc: string; signature: string } | undefined;
}

/** The properties a node has, in {@link PROPS} order (E2EE-API-213, E2EE-API-822..824). */
export function propertiesOf(view: StoreView, d: DavNode, env: PropEnv): Map<PropName, PropValue> {
  const n = d.v.node;
  const folder = n.kind === 'folder';
  const props = new Map<PropName, PropValue>();
  props.set(PROPS.getetag, `"${n.etag}"`);
  props.set(PROPS.getlastmodified, new Date(n.mtime * 1000).toUTCString());
  if (!folder) props.set(PROPS.getcontentlength, String(n.content?.length ?? 0));
  if (!folder) props.set(PROPS.getcontenttype, 'application/octet-stream');
  props.set(PROPS.resourcetype, { elements: folder ? [P(NS.d, 'collection')] : [] });
  // E2EE-API-270 (MUST, server): the name the user sees (mount name; staged suffix removed).
  if (!env.faults?.on('displayname-missing'))
    props.set(PROPS.displayname, d.segments.at(-1) ?? d.v.node.owner);
  props.set(PROPS.fileid, String(n.id));
  props.set(PROPS.id, ocFileId(n.id));
  props.set(PROPS.size, String(sizeOf(view, n)));
  // E2EE-API-216 (MUST, server): empty in encrypted trees for clients that are not E2EE clients.
  const asE2eeClient = env.e2eeClient || env.faults?.on('permissions-for-every-client') === true;
  props.set(PROPS.permissions, permissionString(view, d, asE2eeClient));
  // E2EE-API-822 (MUST, server): the folder's own flag.
  const flag = n.encrypted && !env.faults?.on('is-encrypted-always-zero');
  if (folder) props.set(PROPS.isEncrypted, flag ? '1' : '0');
  // E2EE-API-823, E2EE-API-824 (MUST, server): the e2ee-* properties exist from app 1.17 on
  // (nc32, nc33); nc30 answers them 404.
  if (env.profile !== 'nc30') {
    const encrypted = inEncryptedTree(view, n.id);
    props.set(PROPS.e2eeIsEncrypted, encrypted ? '1' : '0');
    const served = env.e2eeClient || env.metadataForEveryClient === true;
    const meta = folder && encrypted && served ? env.metadata(n.id) : undefined;
    if (meta !== undefined) {
      props.set(PROPS.e2eeMetadata, meta.doc);
      props.set(PROPS.e2eeMetadataSignature, meta.signature);
    }
  }
  return props;
}

/** The ids of a node and everything below it. */
export function subtreeIds(view: StoreView, id: number): number[] {
  const out: number[] = [id];
  for (let i = 0; i < out.length; i++) for (const c of view.childrenOf(out[i]!)) out.push(c.id);
  return out;
}

/** True when the node or anything below it carries the E2EE flag. */
export function containsEncrypted(view: StoreView, id: number): boolean {
  return subtreeIds(view, id).some((x) => tree.getNode(view, x)?.encrypted === true);
}

/** True when the node is the root of a share the user received (a mount in their root). */
export function isShareRoot(d: DavNode): boolean {
  return d.v.share !== null && d.v.share.nodeId === d.v.node.id;
}
