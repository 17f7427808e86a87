/**
 * Typed calls to the Nextcloud end_to_end_encryption app's OCS API (API v2, with the key
 * endpoints that v1 and v2 share). Each function is one request; protocol flows that combine
 * them live in `reference/src/client/`.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { ocsCall, ServerRejected, stringField, type ClientContext } from './ocs.js';

const APP = '/ocs/v2.php/apps/end_to_end_encryption/api/v2';

export interface E2eeCapability {
  enabled: boolean;
  apiVersion: string;
  keysExist: boolean;
  /** The `transparency-log` object as advertised (spec/21 §1), unchecked; absent without one. */
  transparencyLog?: Record<string, unknown>;
}

/** `GET /ocs/v2.php/cloud/capabilities` → the `end-to-end-encryption` capability. */
export async function getCapability(ctx: ClientContext): Promise<E2eeCapability> {
  const { data } = await ocsCall(ctx, { method: 'GET', path: '/ocs/v2.php/cloud/capabilities' });
  const cap = (data as { capabilities?: Record<string, unknown> })?.capabilities?.[
    'end-to-end-encryption'
  ] as Record<string, unknown> | undefined;
  if (!cap)
    throw new SealfoldError(
      'UNSUPPORTED',
      'the server does not offer end-to-end encryption to this user',
    );
  const log = cap['transparency-log'];
  return {
    enabled: cap.enabled === true,
    apiVersion: String(cap['api-version'] ?? ''),
    keysExist: cap['keys-exist'] === true,
    // Any value counts as advertised, so that a malformed object is refused, not ignored.
    ...(log !== undefined ? { transparencyLog: log as Record<string, unknown> } : {}),
  };
}

/** `GET /public-key?users=[…]` → certificate PEM by user id. */
export async function getPublicKeys(
  ctx: ClientContext,
  users: string[],
): Promise<Record<string, string>> {
  const { data } = await ocsCall(ctx, {
    method: 'GET',
    path: `${APP}/public-key`,
    query: { users: JSON.stringify(users) },
  });
  const keys = (data as { 'public-keys'?: unknown })?.['public-keys'];
  if (!keys || typeof keys !== 'object' || Array.isArray(keys)) {
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      'the server\'s answer lacks "public-keys"',
    );
  }
  for (const v of Object.values(keys)) {
    if (typeof v !== 'string')
      throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'a public key is not a string');
  }
  return keys as Record<string, string>;
}

/** `POST /public-key` with the CSR → the issued certificate PEM. */
export async function submitCsr(ctx: ClientContext, csrPem: string): Promise<string> {
  const { data } = await ocsCall(ctx, {
    method: 'POST',
    path: `${APP}/public-key`,
    form: { csr: csrPem },
  });
  return stringField(data, 'public-key');
}

/** `GET /private-key` → the encrypted private-key blob. */
export async function getPrivateKeyBlob(ctx: ClientContext): Promise<string> {
  const { data } = await ocsCall(ctx, { method: 'GET', path: `${APP}/private-key` });
  return stringField(data, 'private-key');
}

/** `POST /private-key` with the encrypted blob. */
export async function storePrivateKeyBlob(ctx: ClientContext, blob: string): Promise<void> {
  await ocsCall(ctx, { method: 'POST', path: `${APP}/private-key`, form: { privateKey: blob } });
}

/** `GET /server-key` → the server's public key (SPKI PEM). */
export async function getServerKey(ctx: ClientContext): Promise<string> {
  const { data } = await ocsCall(ctx, { method: 'GET', path: `${APP}/server-key` });
  return stringField(data, 'public-key');
}

/** `PUT /encrypted/{id}`: marks an empty folder as encrypted. */
export async function setEncrypted(ctx: ClientContext, fileId: string): Promise<void> {
  await ocsCall(ctx, { method: 'PUT', path: `${APP}/encrypted/${encodeURIComponent(fileId)}` });
}

/** `POST /lock/{id}` with `X-NC-E2EE-COUNTER` → the lock token. `token` retries a lock. */
export async function lockFolder(
  ctx: ClientContext,
  fileId: string,
  counter: number,
  token?: string,
): Promise<string> {
  let data: unknown;
  try {
    ({ data } = await ocsCall(ctx, {
      method: 'POST',
      path: `${APP}/lock/${encodeURIComponent(fileId)}`,
      headers: { 'x-nc-e2ee-counter': String(counter) },
      ...(token ? { query: { 'e2e-token': token } } : {}),
    }));
  } catch (e) {
    // Named tolerance (E2EE-API-307): app 1.14–1.16 answers a lock held by someone else with
    // 403 "File already locked" instead of 423; only the message tells it from a refusal.
    if (e instanceof ServerRejected && e.status === 403 && /already locked/i.test(e.message)) {
      throw new ServerRejected('LOCK_CONFLICT', 403, 'the folder is locked by someone else');
    }
    // Named tolerance (E2EE-API-307): app 1.14–1.16 answers a counter that is not greater than
    // the stored one with an uncaught 500; a fresh read and a new lock is the only recovery.
    if (e instanceof ServerRejected && e.status === 500) {
      throw new ServerRejected(
        'LOCK_CONFLICT',
        500,
        'the server failed to lock (HTTP 500; older servers answer a stale counter this way)',
      );
    }
    throw e;
  }
  const t = stringField(data, 'e2e-token');
  if (!/^[A-Za-z0-9]{1,128}$/.test(t))
    throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'the lock token is malformed');
  return t;
}

/** `DELETE /lock/{id}`: commits (or, with `abort`, reverts) the transaction. */
export async function unlockFolder(
  ctx: ClientContext,
  fileId: string,
  token: string,
  abort = false,
): Promise<void> {
  await ocsCall(ctx, {
    method: 'DELETE',
    path: `${APP}/lock/${encodeURIComponent(fileId)}`,
    headers: { 'e2e-token': token },
    ...(abort ? { query: { abort: 'true' } } : {}),
  });
}

export interface StoredMetadata {
  document: string;
  /** The `X-NC-E2EE-SIGNATURE` response header, absent for 1.x documents. */
  signature?: string;
}

/** `GET /meta-data/{id}` → the stored document and its signature header. */
export async function getMetadata(ctx: ClientContext, fileId: string): Promise<StoredMetadata> {
  const { data, headers } = await ocsCall(ctx, {
    method: 'GET',
    path: `${APP}/meta-data/${encodeURIComponent(fileId)}`,
  });
  const document = stringField(data, 'meta-data');
  const signature = headers['x-nc-e2ee-signature'];
  return signature ? { document, signature } : { document };
}

/** `POST` (first) or `PUT` (update) `/meta-data/{id}` under the lock `token`. */
export async function storeMetadata(
  ctx: ClientContext,
  fileId: string,
  token: string,
  document: string,
  signature: string,
  create: boolean,
): Promise<void> {
  await ocsCall(ctx, {
    method: create ? 'POST' : 'PUT',
    path: `${APP}/meta-data/${encodeURIComponent(fileId)}`,
    form: { metaData: document },
    headers: { 'e2e-token': token, 'x-nc-e2ee-signature': signature },
  });
}

/** `DELETE /meta-data/{id}` under the lock `token`. */
export async function deleteMetadata(
  ctx: ClientContext,
  fileId: string,
  token: string,
): Promise<void> {
  await ocsCall(ctx, {
    method: 'DELETE',
    path: `${APP}/meta-data/${encodeURIComponent(fileId)}`,
    headers: { 'e2e-token': token },
  });
}

/** `PUT /meta-data/{id}/filedrop` with `{id: entry}` (no lock needed). */
export async function putFiledrop(
  ctx: ClientContext,
  fileId: string,
  entries: Record<string, unknown>,
): Promise<void> {
  await ocsCall(ctx, {
    method: 'PUT',
    path: `${APP}/meta-data/${encodeURIComponent(fileId)}/filedrop`,
    form: { filedrop: JSON.stringify(entries) },
  });
}

export interface Share {
  id: string;
  path: string;
  shareWith: string;
  fileId: string;
}

function toShare(v: unknown): Share {
  const o = v as Record<string, unknown>;
  if (!o || typeof o !== 'object')
    throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'a share is not an object');
  return {
    id: String(o.id ?? ''),
    path: String(o.path ?? ''),
    shareWith: String(o.share_with ?? ''),
    fileId: String(o.file_source ?? o.item_source ?? ''),
  };
}

const SHARES = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

/** Shares the folder at `path` with `userId` (OCS share API, shareType 0). */
export async function createUserShare(
  ctx: ClientContext,
  path: string,
  userId: string,
  permissions = 31,
): Promise<Share> {
  const { data } = await ocsCall(ctx, {
    method: 'POST',
    path: SHARES,
    form: { path, shareType: '0', shareWith: userId, permissions: String(permissions) },
  });
  return toShare(data);
}

/** Lists the caller's shares (or those shared with the caller). */
export async function listShares(ctx: ClientContext, sharedWithMe = false): Promise<Share[]> {
  const { data } = await ocsCall(ctx, {
    method: 'GET',
    path: SHARES,
    ...(sharedWithMe ? { query: { shared_with_me: 'true' } } : {}),
  });
  if (!Array.isArray(data))
    throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'the share list is not an array');
  return data.map(toShare);
}

/** Deletes a share. */
export async function deleteShare(ctx: ClientContext, shareId: string): Promise<void> {
  await ocsCall(ctx, { method: 'DELETE', path: `${SHARES}/${encodeURIComponent(shareId)}` });
}
