/**
 * A small simulated world for folder and sharing tests: a server key, four users with
 * server-issued certificates (generated once per test file), and a server store that applies a
 * FolderChange and records every encryption in the folder's history.
 *
 * @module
 */
import {
  makeIdentity,
  makeServerKey,
  type Identity,
  type ServerKey,
} from '../_support/identities.js';
import { toHex } from '../../src/_internal/bytes.js';
import { parseMetadataDocumentV2 } from '../../src/metadata/index.js';
import type { FolderChange, FolderContext } from '../../src/folders/index.js';

export interface World {
  server: ServerKey;
  users: Record<string, Identity>;
}

export async function makeWorld(ids = ['alice', 'bob', 'carol', 'dave']): Promise<World> {
  const server = makeServerKey();
  const users: Record<string, Identity> = {};
  for (const id of ids) users[id] = await makeIdentity(id, server);
  return { server, users };
}

export function ctxOf(u: Identity): FolderContext {
  return { signer: { userId: u.userId, certificate: u.certPem, privateKey: u.pkcs8 } };
}

/** One encryption recorded in the history. */
export interface Written {
  step: number;
  kind: 'metadata' | 'body';
  folderId: string;
  isRoot: boolean;
  key: Uint8Array;
  nonce: Uint8Array;
  /** The document text (metadata) or the body bytes. */
  document?: string;
  body?: Uint8Array;
  objectId?: string;
}

/** What the server stores, plus the history of everything written. */
export class ServerStore {
  docs = new Map<string, { document: string; signature: string }>();
  bodies = new Map<string, Uint8Array>();
  history: Written[] = [];
  step = 0;

  record(change: FolderChange): void {
    this.step++;
    const st = change.state;
    for (const m of change.metadata) {
      this.docs.set(m.folderId, { document: m.document, signature: m.signature });
      const parsed = parseMetadataDocumentV2(m.document);
      this.history.push({
        step: this.step,
        kind: 'metadata',
        folderId: m.folderId,
        isRoot: m.folderId === st.rootId,
        key: st.metadataKey,
        nonce: parsed.nonce,
        document: m.document,
      });
    }
    for (const b of change.bodies) {
      this.bodies.set(b.objectId, b.body);
      const f = st.docs[b.folderId]!.files[b.objectId]!;
      this.history.push({
        step: this.step,
        kind: 'body',
        folderId: b.folderId,
        isRoot: false,
        key: f.key,
        nonce: f.nonce,
        body: b.body,
        objectId: b.objectId,
      });
    }
    for (const d of change.deletions) {
      this.bodies.delete(d.objectId);
      this.docs.delete(d.objectId);
    }
    // Sub-folder documents of deleted sub-folders disappear with them.
    for (const id of [...this.docs.keys()]) {
      if (!Object.hasOwn(st.docs, id)) this.docs.delete(id);
    }
  }

  subfolders(rootId: string): Record<string, { document: string; signature: string }> {
    return Object.fromEntries([...this.docs].filter(([id]) => id !== rootId));
  }

  /** Every (key, nonce) pair used, as hex; duplicates are kept. */
  keyNoncePairs(): string[] {
    return this.history.map((w) => `${toHex(w.key)}:${toHex(w.nonce)}`);
  }
}
