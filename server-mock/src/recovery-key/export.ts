/**
 * What the server stores of one encrypted top folder, read from a copy of the mock's data
 * directory, in the form the recovery tool reads (`FolderExport`, spec/20-recovery-key.md §6):
 * each folder's committed metadata document and signature, and the encrypted bodies by object
 * name. This is the "data directory copy" an administrator hands to the offline machine; the
 * server's own bytes, never decrypted here.
 *
 * @module
 */
import type { FolderExport } from '../../../reference/src/recovery-key/index.js';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import { openStore, type StoreView } from '../store/index.js';
import { readE2eeState } from '../e2ee/store-adapter.js';

function exportOf(view: StoreView, id: number, depth: number): FolderExport {
  const meta = readE2eeState(view).meta[String(id)];
  if (meta?.doc === undefined)
    throw new SealfoldError('NOT_FOUND', `folder ${id} has no committed metadata`);
  // Bounded: a tree deeper than this is not one the server mock builds.
  if (depth > 64) throw new SealfoldError('INPUT_MALFORMED', 'the folder tree is too deep');
  const objects = new Map<string, Uint8Array | FolderExport>();
  for (const child of view.childrenOf(id)) {
    if (child.kind === 'file' && child.content !== null) objects.set(child.name, child.content);
    else if (child.kind === 'folder' && readE2eeState(view).meta[String(child.id)]?.doc)
      objects.set(child.name, exportOf(view, child.id, depth + 1));
  }
  return {
    id: String(id),
    document: meta.doc,
    ...(meta.signature !== undefined ? { signature: meta.signature } : {}),
    objects,
  };
}

/** Reads folder `folderId` and everything below it from the data directory `dataDir` (a copy). */
export function exportFolderFromDataDir(dataDir: string, folderId: number): FolderExport {
  const store = openStore(dataDir);
  try {
    return exportOf(store, folderId, 0);
  } finally {
    store.close();
  }
}
