/**
 * Share records written straight into the store (tests that need a share without the share API).
 */
import type { ShareRecord, Tx } from '../../src/store/index.js';

type Optional = Partial<Pick<ShareRecord, 'id' | 'createdAt'>>;

/** Writes `s` (a fresh id and createdAt 1 unless given); returns its id. */
function putShare(tx: Tx, s: Omit<ShareRecord, 'id' | 'createdAt'> & Optional): number {
  const id = s.id ?? tx.nextId('shareId');
  tx.put('shares', String(id), {
    id,
    shareType: s.shareType,
    owner: s.owner,
    nodeId: s.nodeId,
    recipient: s.recipient,
    token: s.token,
    permissions: s.permissions,
    mountName: s.mountName,
    createdAt: s.createdAt ?? 1,
  });
  return id;
}

/** A user share of `nodeId` with `recipient` (all permissions unless given); returns its id. */
export function putUserShare(
  tx: Tx,
  s: { owner: string; nodeId: number; recipient: string; mountName: string } & Optional &
    Partial<Pick<ShareRecord, 'permissions'>>,
): number {
  return putShare(tx, { ...s, shareType: 0, token: null, permissions: s.permissions ?? 31 });
}

/** A link share of `nodeId` with `token`; returns its id. */
export function putLinkShare(
  tx: Tx,
  s: { owner: string; nodeId: number; token: string; permissions: number } & Optional,
): number {
  return putShare(tx, { ...s, shareType: 3, recipient: null, mountName: null });
}
