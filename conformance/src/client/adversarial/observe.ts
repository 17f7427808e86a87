/**
 * What a reference member observes of a folder the vendor's client wrote: the device is recovered
 * in-process from the mnemonic the reference driver exposed, so the check reads the folder exactly
 * as an honest member would (file keys and nonces, the metadata key) and the raw documents the
 * server stores (their nonces). Used by the checks that hold a writer to fresh keys and nonces
 * and to key rotation on removal, which no refusal shows.
 *
 * @module
 */
import { openTopFolder, recover, type Device } from '../../../../reference/src/client/index.js';
import { e2ee } from '../../../../reference/src/http/index.js';
import { sha256Hex } from '../../../../reference/src/bytes/index.js';
import type { Actor, ClientActor, ClientCheckContext } from '../check.js';

/** A reference member's in-process view of `folder`. */
export interface MemberView {
  readonly rootId: string;
  /** SHA-256 (hex) of the current metadata key. */
  readonly metadataKeySha256: string;
  readonly members: readonly string[];
  /** Hex of every file key and file nonce in the tree. */
  readonly fileKeys: readonly string[];
  readonly fileNonces: readonly string[];
}

/** A device of `who` (a reference actor that enrolled) recovered in this process. */
export async function memberDevice(
  ctx: ClientCheckContext,
  who: Actor,
  actor: ClientActor,
): Promise<Device> {
  return recover({
    account: { baseUrl: ctx.server.baseUrl, userId: actor.userId, password: ctx.passwordOf(who) },
    mnemonic: ctx.mnemonicOf(who),
  });
}

export async function viewOf(device: Device, folder: string): Promise<MemberView> {
  const h = await openTopFolder(device, folder);
  const fileKeys: string[] = [];
  const fileNonces: string[] = [];
  for (const doc of Object.values(h.state.docs)) {
    for (const f of Object.values(doc.files)) {
      fileKeys.push(Buffer.from(f.key).toString('hex'));
      fileNonces.push(Buffer.from(f.nonce).toString('hex'));
    }
  }
  return {
    rootId: h.state.rootId,
    metadataKeySha256: sha256Hex(h.state.metadataKey),
    members: h.state.members.map((m) => m.userId).sort(),
    fileKeys,
    fileNonces,
  };
}

/** The nonce of the root document the server stores now. */
export async function storedNonce(device: Device, rootId: string): Promise<string> {
  const m = await e2ee.getMetadata(device.ctx, rootId);
  const outer = JSON.parse(m.document) as { metadata?: { nonce?: unknown } };
  return String(outer.metadata?.nonce ?? '');
}

/** The values that occur more than once. */
export function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}
