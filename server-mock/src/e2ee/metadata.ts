/**
 * Metadata documents: read, create, update and delete under a lock, and the filedrop merge
 * (spec/12-metadata-api.md §3–§5).
 *
 * Writes go to the folder's intermediate document and are committed at unlock. The server stores
 * documents and signatures byte-exact and never verifies them (E2EE-API-126). Only two
 * structural checks exist, both to keep one client from destroying state another relies on: an
 * uploaded document must be a JSON object, and a filedrop must be a JSON object of objects
 * (E2EE-API-121, E2EE-API-142).
 *
 * @module
 */

import { E2eeFailure, type FailureKind } from './profiles.js';
import { lockView, tokenFingerprint, touchActivity, type E2eeContext } from './context.js';
import { markTouched } from './_transaction.js';
import { parseJsonObject } from './_documents.js';
import { assertV1Folder, type LockApi } from './locks.js';

/** The token filedrop uses for its internal lock (spec/12-metadata-api.md). */
export const FILEDROP_TOKEN = 'filedrop-lock';

/** A stored document and its signature (`''` when none is stored, e.g. v1). */
export interface StoredMetadata {
  doc: string;
  signature: string;
}

/** A metadata write as it arrived. */
export interface MetadataWrite {
  /** The form field `metaData`; `undefined` when absent. */
  doc: string | undefined;
  /** `e2e-token` (header for v2, parameter or header for v1); `''` when absent. */
  token: string;
  /** `X-NC-E2EE-SIGNATURE` (v2); `''` when absent. */
  signature: string;
  api: LockApi;
}

/** Reads the committed document of folder `id` (E2EE-API-120). */
export function getMetadata(
  ctx: E2eeContext,
  user: string,
  id: number,
  api: LockApi,
): StoredMetadata {
  const rec = ctx.state.meta[String(id)];
  if (ctx.tree.node(id) === undefined || !ctx.tree.canAccess(user, id) || rec?.doc === undefined) {
    throw new E2eeFailure('META_NOT_FOUND', `could not find metadata for "${id}"`);
  }
  if (api === 'v1') assertV1Folder(ctx, id);
  return { doc: rec.doc, signature: rec.signature ?? '' };
}

/**
 * Structure, then token and signature presence, then the lock (check order of E2EE-SEC-001).
 * `notLocked` is the failure for a missing lock, or `null` where the API takes no lock (v1 POST
 * and DELETE, as on the real server).
 */
function checkWrite(
  ctx: E2eeContext,
  user: string,
  id: number,
  w: MetadataWrite,
  notLocked: FailureKind | null,
  needsDoc: boolean,
): void {
  // E2EE-API-121 (MUST, server): an uploaded document must be a JSON object.
  if (
    needsDoc &&
    (w.doc === undefined ||
      (parseJsonObject(w.doc) === null && !ctx.faults.on('filedrop-lost-on-malformed-metadata')))
  ) {
    throw new E2eeFailure('META_MALFORMED', 'metaData must be a JSON object');
  }
  if (w.api === 'v2') {
    // E2EE-API-122 (MUST, server): v2 writes need a non-empty e2e-token and signature.
    if (w.token === '') throw new E2eeFailure('META_TOKEN_EMPTY', 'e2e-token is empty');
    if (needsDoc && w.signature === '') {
      throw new E2eeFailure('META_SIGNATURE_EMPTY', 'X-NC-E2EE-SIGNATURE is empty');
    }
  }
  if (notLocked === null) {
    if (ctx.tree.node(id) === undefined || !ctx.tree.canAccess(user, id)) {
      throw new E2eeFailure('META_NOT_FOUND', `no file with id ${id}`);
    }
  } else if (lockView(ctx, user, id, w.token) !== 'mine') {
    // E2EE-LOCK-030 (MUST, server): metadata is written only under a lock held by the token on
    // the folder or an ancestor.
    throw new E2eeFailure(
      notLocked,
      'you are not allowed to edit the file, make sure to first lock it, and then send the right token',
    );
  }
  if (w.api === 'v1') assertV1Folder(ctx, id);
}

/** Stores an intermediate document and records the folder as touched by the token. */
function writeIntermediate(ctx: E2eeContext, id: number, w: MetadataWrite, doc: string): void {
  const rec = (ctx.state.meta[String(id)] ??= {});
  const parsed = ctx.faults.on('metadata-not-byte-exact') ? parseJsonObject(doc) : null;
  rec.intermediate = {
    // E2EE-API-126 (MUST, server): the document is kept byte-exact, never re-serialised.
    doc: parsed === null ? doc : JSON.stringify(parsed),
    ...(w.api === 'v2' && w.signature !== '' ? { signature: w.signature } : {}),
  };
  if (w.token !== '') {
    markTouched(ctx, w.token, id);
    touchActivity(ctx, w.token);
  }
}

/**
 * Creates the folder's first document (intermediate until unlock) (E2EE-API-123).
 *
 * @throws E2eeFailure META_MALFORMED, META_TOKEN_EMPTY, META_SIGNATURE_EMPTY,
 *   META_POST_NOT_LOCKED, META_EXISTS, META_V1_ON_V2
 */
export function postMetadata(ctx: E2eeContext, user: string, id: number, w: MetadataWrite): void {
  // E2EE-API-131 (MUST, server): a v1 POST needs no lock.
  const needsLock = w.api === 'v2' || ctx.faults.on('v1-post-needs-lock');
  checkWrite(ctx, user, id, w, needsLock ? 'META_POST_NOT_LOCKED' : null, true);
  const rec = ctx.state.meta[String(id)];
  // E2EE-API-123 (MUST, server): POST never replaces a document, committed or intermediate.
  if (rec?.doc !== undefined || rec?.intermediate !== undefined) {
    throw new E2eeFailure('META_EXISTS', 'metadata already exists');
  }
  writeIntermediate(ctx, id, w, w.doc as string);
}

/**
 * Replaces the folder's document (intermediate until unlock) (E2EE-API-124).
 *
 * @throws E2eeFailure META_MALFORMED, META_TOKEN_EMPTY, META_SIGNATURE_EMPTY,
 *   META_PUT_NOT_LOCKED, META_NOT_FOUND, META_V1_ON_V2
 */
export function putMetadata(ctx: E2eeContext, user: string, id: number, w: MetadataWrite): void {
  checkWrite(ctx, user, id, w, w.api === 'v1' ? 'V1_META_NOT_LOCKED' : 'META_PUT_NOT_LOCKED', true);
  // E2EE-API-124 (MUST, server): PUT needs a committed document to replace.
  if (ctx.state.meta[String(id)]?.doc === undefined) {
    throw new E2eeFailure('META_NOT_FOUND', 'metadata-file does not exist');
  }
  writeIntermediate(ctx, id, w, w.doc as string);
}

/**
 * Marks the folder's document for deletion at unlock: the intermediate becomes `{}`
 * (E2EE-API-125, E2EE-LOCK-054).
 *
 * @throws E2eeFailure META_TOKEN_EMPTY, META_DELETE_NOT_LOCKED, META_NOT_FOUND, META_V1_ON_V2
 */
export function deleteMetadata(
  ctx: E2eeContext,
  user: string,
  id: number,
  w: Pick<MetadataWrite, 'token' | 'api'>,
): void {
  checkWrite(
    ctx,
    user,
    id,
    { ...w, doc: undefined, signature: '' },
    w.api === 'v1' ? null : 'META_DELETE_NOT_LOCKED',
    false,
  );
  // E2EE-API-125 (MUST, server): nothing committed is the real app's generic 400.
  if (ctx.state.meta[String(id)]?.doc === undefined) {
    throw new E2eeFailure('META_DELETE_NOTHING_COMMITTED', 'cannot delete metadata');
  }
  writeIntermediate(ctx, id, { ...w, doc: '{}', signature: '' }, '{}');
}

/** Parses and checks a filedrop upload: a JSON object whose values are objects (E2EE-API-142). */
function parseFiledrop(raw: string | undefined): Record<string, unknown> {
  const o = raw === undefined ? null : parseJsonObject(raw);
  if (o === null || Object.keys(o).length === 0) {
    throw new E2eeFailure('FILEDROP_MALFORMED', 'filedrop must be a non-empty JSON object');
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === '' || typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new E2eeFailure('FILEDROP_MALFORMED', 'every filedrop entry must be a JSON object');
    }
  }
  return o;
}

/**
 * Merges filedrop entries into the stored document's top-level `filedrop` and commits at once,
 * without a client lock and without a counter change (E2EE-API-140..145). Returns the merged
 * `filedrop` object.
 *
 * @throws E2eeFailure FILEDROP_MALFORMED, FILEDROP_FORBIDDEN, FILEDROP_LOCKED, META_NOT_FOUND,
 *   META_MALFORMED
 */
export function addFiledrop(
  ctx: E2eeContext,
  user: string,
  id: number,
  raw: string | undefined,
): Record<string, unknown> {
  // E2EE-API-142 (MUST, server): a malformed filedrop is rejected before any state changes.
  const entries = parseFiledrop(raw);
  const node = ctx.tree.node(id);
  if (node === undefined || node.kind !== 'folder' || !ctx.tree.canAccess(user, id)) {
    throw new E2eeFailure('FILEDROP_FORBIDDEN', 'you are not allowed to create the lock');
  }
  if (node.parentId === null) {
    throw new E2eeFailure('FILEDROP_FORBIDDEN', 'you are not allowed to create the lock');
  }
  // E2EE-API-141 (MUST, server): filedrop waits for nobody: a client lock on the path refuses it.
  if (lockView(ctx, user, id, FILEDROP_TOKEN) !== 'none') {
    throw new E2eeFailure('FILEDROP_LOCKED', 'file already locked');
  }
  const rec = ctx.state.meta[String(id)];
  if (rec?.doc === undefined) {
    throw new E2eeFailure('META_NOT_FOUND', 'metadata-file does not exist');
  }
  const stored = parseJsonObject(rec.doc);
  const old = stored?.['filedrop'];
  // E2EE-API-143 (MUST, server): a stored document that cannot take the merge stays untouched.
  if (
    stored === null ||
    (old !== undefined && (typeof old !== 'object' || old === null || Array.isArray(old)))
  ) {
    throw new E2eeFailure('META_MALFORMED', 'the stored metadata cannot take filedrop entries');
  }
  // E2EE-API-140 (MUST, server): uploaded entries merge into the pending ones.
  const pending = ctx.faults.on('filedrop-replaces-entries') ? undefined : old;
  const merged = { ...(pending as Record<string, unknown> | undefined), ...entries };
  // E2EE-API-144 (MUST, server): merge into `filedrop`, keep every other member and the signature.
  rec.doc = JSON.stringify({ ...stored, filedrop: merged });
  ctx.audit({
    action: 'filedrop',
    user,
    folderId: id,
    tokenFingerprint: tokenFingerprint(FILEDROP_TOKEN),
    detail: { entries: Object.keys(entries).length },
  });
  return merged;
}
