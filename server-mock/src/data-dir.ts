/**
 * Guards of a persistent data directory (`--data-dir`):
 *
 * - **One server per directory** (E2EE-API-830, E2EE-API-831). Two servers on one journal would both acknowledge
 *   writes and one of them would lose its writes at the next restart. The lock must vanish with its
 *   process, also on SIGKILL, so that a crashed server never blocks its restart. On Linux the lock
 *   is a listening Unix socket in the abstract namespace, named after the directory's real path:
 *   binding is atomic, the kernel frees the name when the process dies, and no file is left
 *   behind. Elsewhere (no abstract namespace) the lock is the pid file, created exclusively, and a
 *   pid file whose process no longer runs is taken over. `server.pid` is written in both cases so
 *   that the refusal can name the running server.
 * - **One CA per directory** (E2EE-API-401). `server-identity.json` records the CA backend and
 *   the SHA-256 fingerprint of the server key at the first start; a later start with the other
 *   backend, or with a replaced key, is refused, because every issued certificate would stop
 *   verifying (`CERT_UNTRUSTED`) and every pinning client would report `KEY_CHANGED`.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  realpathSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { SealfoldError } from '../../reference/src/errors/index.js';
import { writeFileAtomic } from './store/index.js';
import type { CaBackend } from './config.js';

/** The pid file inside the data directory. */
export const PID_FILE = 'server.pid';
/** The identity record inside the data directory. */
export const IDENTITY_FILE = 'server-identity.json';

/** A held data-directory lock. */
export interface DataDirLock {
  release(): Promise<void>;
}

function readPid(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string, pid: number | null): SealfoldError {
  const who = pid === null ? 'another sealfold server' : `another sealfold server (pid ${pid})`;
  return new SealfoldError(
    'LOCK_CONFLICT',
    `data directory ${dir} is in use by ${who}; stop it first or use another --data-dir`,
  );
}

function writePidFile(path: string, flag: 'w' | 'wx'): void {
  const fd = openSync(path, flag, 0o600);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
}

function removeOwnPidFile(path: string): void {
  if (readPid(path) === process.pid) unlinkSync(path);
}

async function abstractSocketLock(dir: string, pidPath: string): Promise<DataDirLock> {
  const name = '\0sealfold-data-dir-' + createHash('sha256').update(dir).digest('hex');
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? inUse(dir, readPid(pidPath)) : e),
    );
    server.listen(name, () => resolve());
  });
  // The lock must not keep the process alive on its own.
  server.unref();
  writePidFile(pidPath, 'w');
  return {
    release: async () => {
      removeOwnPidFile(pidPath);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pidFileLock(dir: string, pidPath: string): DataDirLock {
  // Two rounds: the second follows the removal of a stale pid file.
  for (let round = 0; round < 2; round++) {
    try {
      writePidFile(pidPath, 'wx');
      return { release: async () => removeOwnPidFile(pidPath) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = readPid(pidPath);
      if (pid !== null && isAlive(pid)) throw inUse(dir, pid);
      unlinkSync(pidPath);
    }
  }
  throw inUse(dir, readPid(pidPath));
}

/** How the lock is held: the platform decides; tests exercise both. */
export type LockMechanism = 'abstract-socket' | 'pid-file';

/**
 * Takes the exclusive lock of a data directory (created when missing).
 * @param mechanism default: `abstract-socket` on Linux, `pid-file` elsewhere.
 * @throws SealfoldError LOCK_CONFLICT while another server holds it.
 */
export async function lockDataDir(
  dataDir: string,
  mechanism: LockMechanism = process.platform === 'linux' ? 'abstract-socket' : 'pid-file',
): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = realpathSync(dataDir);
  const pidPath = join(dir, PID_FILE);
  // E2EE-API-830, E2EE-API-831 (MUST, server): one server per data directory; the lock dies
  // with its process.
  if (mechanism === 'abstract-socket') return abstractSocketLock(dir, pidPath);
  return pidFileLock(dir, pidPath);
}

/** What a data directory records about its CA. */
export interface ServerIdentity {
  readonly ca: CaBackend;
  /** Lowercase hex SHA-256 of the server key's SPKI DER (E2EE-CERT-030's fingerprint). */
  readonly serverKeySha256: string;
}

/** The recorded identity, or null before the first start. */
export function readIdentity(dataDir: string): ServerIdentity | null {
  const path = join(dataDir, IDENTITY_FILE);
  if (!existsSync(path)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SealfoldError('INPUT_MALFORMED', `${path} is not valid JSON`, { cause: e });
  }
  const d = doc as Partial<ServerIdentity> | null;
  if (
    (d?.ca !== 'software' && d?.ca !== 'softhsm') ||
    typeof d.serverKeySha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(d.serverKeySha256)
  )
    throw new SealfoldError('INPUT_MALFORMED', `${path} does not record {ca, serverKeySha256}`);
  return { ca: d.ca, serverKeySha256: d.serverKeySha256 };
}

/**
 * Refuses a start whose CA backend differs from the recorded one; call before opening the CA
 * (opening the other backend would create a new key in the directory).
 * @throws SealfoldError KEY_CHANGED.
 */
export function assertSameCaBackend(dataDir: string, ca: CaBackend): void {
  const recorded = readIdentity(dataDir);
  // E2EE-API-401 (MUST, server): a data directory keeps the CA backend it was created with.
  if (recorded !== null && recorded.ca !== ca)
    throw new SealfoldError(
      'KEY_CHANGED',
      `data directory ${dataDir} was created with --ca ${recorded.ca}; this start asks for --ca ${ca}, ` +
        `which has another server key and would invalidate every issued certificate. ` +
        `Start with --ca ${recorded.ca}, or use a new --data-dir`,
    );
}

/**
 * Records the identity at the first start, and refuses a server key that differs from the
 * recorded one.
 * @throws SealfoldError KEY_CHANGED.
 */
export function checkIdentity(dataDir: string, current: ServerIdentity): void {
  const recorded = readIdentity(dataDir);
  if (recorded === null) {
    writeFileAtomic(join(dataDir, IDENTITY_FILE), JSON.stringify(current, null, 2) + '\n');
    return;
  }
  assertSameCaBackend(dataDir, current.ca);
  // E2EE-API-401 (MUST, server): the server key of a data directory never changes silently.
  if (recorded.serverKeySha256 !== current.serverKeySha256)
    throw new SealfoldError(
      'KEY_CHANGED',
      `the server key in data directory ${dataDir} (sha256 ${current.serverKeySha256}) is not ` +
        `the recorded one (sha256 ${recorded.serverKeySha256}): the CA key was replaced. Restore ` +
        `the original key, or use a new --data-dir`,
    );
}
