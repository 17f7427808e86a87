/**
 * Stopping a server started through `npx`/`npm exec` (E2EE-API-833). npm runs the command as
 * `npm → sh -c → node` and does not forward SIGTERM, so `kill $!` after `npx sealfold serve &`
 * ends npm only. The server therefore watches its launcher chain (its parent and, where `/proc`
 * tells it, its grandparent) and stops when one of them is gone.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** How often the launchers are checked. */
export const WATCH_INTERVAL_MS = 500;

/** The parent pid of `pid` from `/proc/<pid>/stat`, or null where that is not available. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may contain spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isSafeInteger(ppid) && ppid > 1 ? ppid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when npm or npx started this process (`npm exec` sets `npm_command=exec`). */
export function startedByNpx(env: NodeJS.ProcessEnv): boolean {
  return env.npm_command === 'exec';
}

/**
 * Calls `onGone` once when the parent or the grandparent of this process ends (checked every
 * {@link WATCH_INTERVAL_MS}). The timer does not keep the process alive.
 * @returns a function that stops watching.
 */
export function watchLaunchers(onGone: () => void): () => void {
  const launchers = [process.ppid];
  const grandparent = parentOf(process.ppid);
  if (grandparent !== null) launchers.push(grandparent);
  const timer = setInterval(() => {
    if (launchers.every(isAlive)) return;
    clearInterval(timer);
    onGone();
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
