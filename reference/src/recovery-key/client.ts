/**
 * The recovery-key extension over HTTP (spec/20-recovery-key.md §3.1, §4, §5): read the
 * capability and the served statement into the device's gate, and check a consented folder's
 * verified root document for its wrap. A server without the capability costs one capabilities
 * request and changes nothing (E2EE-RKEY-043).
 *
 * @module
 */
import { isSealfoldError, SealfoldError } from '../errors/index.js';
import { ocsCall, stringField, type ClientContext } from '../http/ocs.js';
import * as api from '../http/e2ee-api.js';
import { parseJson } from '../_internal/json.js';
import { verifyMetadataSignature } from '../signature/index.js';
import type { FolderMember } from '../folders/index.js';
import type { RecoveryKeyEvent, RecoveryKeyGuard } from './guard.js';

/** The member of the `end-to-end-encryption` capability that advertises this extension. */
export const RECOVERY_KEY_CAPABILITY = 'sealfold-recovery-key';
/** The endpoint below the E2EE app's API v2 prefix. */
export const RECOVERY_KEY_PATH = '/ocs/v2.php/apps/end_to_end_encryption/api/v2/recovery-key';

/** True when the server advertises the extension. */
export async function offersRecoveryKey(ctx: ClientContext): Promise<boolean> {
  const { data } = await ocsCall(ctx, { method: 'GET', path: '/ocs/v2.php/cloud/capabilities' });
  const cap = (data as { capabilities?: Record<string, Record<string, unknown> | undefined> })
    ?.capabilities?.['end-to-end-encryption'];
  const ext = cap?.[RECOVERY_KEY_CAPABILITY] as { version?: unknown } | undefined;
  return ext?.version === 1;
}

/** The served statement text, or null when the server serves none (404). */
export async function fetchRecoveryStatement(ctx: ClientContext): Promise<string | null> {
  try {
    const { data } = await ocsCall(ctx, { method: 'GET', path: RECOVERY_KEY_PATH });
    return stringField(data, 'statement');
  } catch (e) {
    if (isSealfoldError(e, 'NOT_FOUND')) return null;
    throw e;
  }
}

/**
 * Reads what the server serves into `guard` (E2EE-RKEY-020): nothing at all when it does not
 * advertise the capability and nothing was pinned.
 */
export async function syncRecoveryKey(
  ctx: ClientContext,
  guard: RecoveryKeyGuard,
): Promise<RecoveryKeyEvent | undefined> {
  // E2EE-RKEY-020 (MUST, client): the statement is fetched when the capability is advertised.
  const offered = await offersRecoveryKey(ctx);
  if (!offered) return guard.observe(null);
  return guard.observe(await fetchRecoveryStatement(ctx));
}

/**
 * Fetches the root document of `rootId` again, verifies its signature against the folder's
 * verified `members`, and reports a missing wrap (E2EE-RKEY-032). Call after opening the folder.
 */
export async function checkFolderRecovery(
  ctx: ClientContext,
  guard: RecoveryKeyGuard,
  rootId: string,
  members: readonly FolderMember[],
): Promise<RecoveryKeyEvent | undefined> {
  if (!guard.consented(rootId)) return undefined;
  const { document, signature } = await api.getMetadata(ctx, rootId);
  // Only a document a member signed says anything about the wrap: the server cannot strip or
  // add the member of a signed document without breaking its signature.
  await verifyMetadataSignature({ outer: document, signature, members });
  const outer = parseJson(document);
  if (outer === null || typeof outer !== 'object' || Array.isArray(outer))
    throw new SealfoldError('METADATA_MALFORMED', 'the metadata document is not a JSON object');
  return guard.checkFolder(rootId, outer);
}
