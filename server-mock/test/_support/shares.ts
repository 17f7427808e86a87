/**
 * Share records written straight into the store (tests that need a share without the share API).
 */
import type { ShareRecord, Tx } from '../../src/store/index.js';

/** A user share of `nodeId` with `recipient` (all permissions unless given); returns its id. */
export function putUserShare(
  tx: Tx,
  s: { owner: string; nodeId: number; recipient: string; mountName: string } & Partial<
    Pick<ShareRecord, 'id' | 'permissions' | 'createdAt'>
  >,
): number {
  const id = s.id ?? tx.nextId('shareId');
  tx.put('shares', String(id), {
    id,
    shareType: 0,
    owner: s.owner,
    nodeId: s.nodeId,
    recipient: s.recipient,
    token: null,
    permissions: s.permissions ?? 31,
    mountName: s.mountName,
    createdAt: s.createdAt ?? 1,
  });
  return id;
}

/** A link share of `nodeId` with `token`; returns its id. */
export function putLinkShare(
  tx: Tx,
  s: { owner: string; nodeId: number; token: string; permissions: number } & Partial<
    Pick<ShareRecord, 'id' | 'createdAt'>
  >,
): number {
  const id = s.id ?? tx.nextId('shareId');
  tx.put('shares', String(id), {
    id,
    shareType: 3,
    owner: s.owner,
    nodeId: s.nodeId,
    recipient: null,
    token: s.token,
    permissions: s.permissions,
    mountName: null,
    createdAt: s.createdAt ?? 1,
  });
  return id;
}
