/**
 * The run folder on the target (E2EE-CONF-030): created per actor before the tests, one
 * sub-folder per test, deleted at the end of a successful run.
 *
 * @module
 */
import { clientHeaders } from './http.js';

/** The WebDAV URL path of `folder` (relative to the user's root) for `userId`. */
export function davPath(userId: string, folder: string): string {
  const segments = folder.split('/').filter((s) => s !== '');
  return `/remote.php/dav/files/${encodeURIComponent(userId)}/${segments.map(encodeURIComponent).join('/')}`;
}

type Acct = { name: string; userId: string; password: string };

/**
 * Creates `folder` and its missing parents with MKCOL; 405 (already there) is fine. Anything else
 * is a harness error: the tests cannot write without their folder. `known` leading segments are
 * taken to exist already, and `pace` runs before every request (the run's rate limit).
 */
export async function ensureFolder(
  baseUrl: string,
  account: Acct,
  folder: string,
  opts: { signal?: AbortSignal; known?: number; pace?: () => Promise<void> } = {},
): Promise<void> {
  const segments = folder.split('/').filter((s) => s !== '');
  for (let i = Math.max(1, (opts.known ?? 0) + 1); i <= segments.length; i++) {
    await opts.pace?.();
    const res = await fetch(baseUrl + davPath(account.userId, segments.slice(0, i).join('/')), {
      method: 'MKCOL',
      headers: clientHeaders(account, false),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    await res.arrayBuffer();
    if (res.status !== 201 && res.status !== 405) {
      throw new Error(
        `cannot create the run folder ${segments.slice(0, i).join('/')} for ${account.name}: HTTP ${res.status}`,
      );
    }
  }
}

/** Deletes `folder`; true when it is gone (204, or 404 because it never existed). */
export async function removeFolder(
  baseUrl: string,
  account: Acct,
  folder: string,
): Promise<boolean> {
  const res = await fetch(baseUrl + davPath(account.userId, folder), {
    method: 'DELETE',
    headers: clientHeaders(account, false),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return res.status === 204 || res.status === 404;
}
