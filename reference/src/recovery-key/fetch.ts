/**
 * What the server stores of one encrypted top folder, fetched through its HTTP API in the form
 * the recovery tool reads (`FolderExport`, spec/20-recovery-key.md §6): per folder a WebDAV
 * PROPFIND for the children and the file id, `GET /meta-data/{id}` for the document and its
 * `X-NC-E2EE-SIGNATURE`, and a WebDAV GET per encrypted body. Nothing is decrypted or trusted
 * here; `recoverFolder` checks all of it exactly as it checks a data-directory copy.
 *
 * @module
 */
import { isSealfoldError, SealfoldError } from '../errors/index.js';
import type { ClientContext } from '../http/ocs.js';
import * as api from '../http/e2ee-api.js';
import * as webdav from '../http/webdav.js';
import type { FolderExport } from './recover.js';

/** Bounds of one fetch, so a server cannot make the tool walk forever. */
export interface FetchFolderLimits {
  /** Deepest sub-folder level followed; default 64 (the data-directory export's bound). */
  readonly maxDepth?: number;
  /** Most objects (files and folders) fetched in all; default 10,000. */
  readonly maxObjects?: number;
}

interface Budget {
  objects: number;
  readonly maxDepth: number;
}

function normalise(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .join('/');
}

async function fetchOne(
  ctx: ClientContext,
  path: string,
  depth: number,
  budget: Budget,
): Promise<FolderExport> {
  if (depth > budget.maxDepth)
    throw new SealfoldError('INPUT_MALFORMED', 'the folder tree is deeper than the limit');
  const entries = await webdav.propfind(ctx, path, 1);
  const self = entries.find((e) => e.path === path);
  if (self === undefined || !self.isFolder)
    throw new SealfoldError('NOT_FOUND', `/${path} is not a folder on the server`);
  if (!/^\d+$/.test(self.fileId))
    throw new SealfoldError('SERVER_RESPONSE_MALFORMED', `/${path} has no numeric file id`);
  const stored = await api.getMetadata(ctx, self.fileId);
  const objects = new Map<string, Uint8Array | FolderExport>();
  for (const child of entries) {
    if (child === self) continue;
    const name = child.path.slice(path.length + 1);
    if (!child.path.startsWith(`${path}/`) || name === '' || name.includes('/'))
      throw new SealfoldError(
        'SERVER_RESPONSE_MALFORMED',
        `PROPFIND of /${path} listed /${child.path}, which is not a direct child`,
      );
    if (objects.has(name))
      throw new SealfoldError('SERVER_RESPONSE_MALFORMED', `PROPFIND listed ${name} twice`);
    if (--budget.objects < 0)
      throw new SealfoldError('INPUT_MALFORMED', 'the folder holds more objects than the limit');
    if (!child.isFolder) {
      objects.set(name, await webdav.getFile(ctx, child.path));
      continue;
    }
    try {
      objects.set(name, await fetchOne(ctx, child.path, depth + 1, budget));
    } catch (e) {
      // Like the data-directory export: a sub-folder without metadata is left out, and the
      // recovery then lists it as not recovered (NOT_FOUND) if the parent's metadata names it.
      if (isSealfoldError(e) && e.code === 'NOT_FOUND') continue;
      throw e;
    }
  }
  return {
    id: self.fileId,
    document: stored.document,
    ...(stored.signature !== undefined ? { signature: stored.signature } : {}),
    objects,
  };
}

/**
 * Fetches the encrypted top folder at `path` (relative to the account's WebDAV root) and
 * everything below it, as the server serves it to `ctx.account`.
 *
 * @throws SealfoldError NOT_FOUND when the path is no folder or has no metadata; the HTTP
 *   client's codes (AUTH_FAILED, FORBIDDEN, SERVER_ERROR, SERVER_RESPONSE_MALFORMED); and
 *   INPUT_MALFORMED past a limit
 */
export async function fetchFolderExport(
  ctx: ClientContext,
  path: string,
  limits: FetchFolderLimits = {},
): Promise<FolderExport> {
  const top = normalise(path);
  if (top === '') throw new SealfoldError('INPUT_MALFORMED', 'the folder path is empty');
  return fetchOne(ctx, top, 0, {
    objects: limits.maxObjects ?? 10_000,
    maxDepth: limits.maxDepth ?? 64,
  });
}
