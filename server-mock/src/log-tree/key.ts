/**
 * The log's Ed25519 signing key (spec/21 §1): 32 random bytes, kept in `<dataDir>/tlog/log-key`
 * (mode 0600, written atomically) so that checkpoints signed before a restart still verify, or in
 * memory without a data directory. The seed never leaves this module's closure (callers get a
 * note signer) and is never logged.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../store/index.js';
import { noteSignerFromSeed, type NoteSigner } from '../../../reference/src/log/index.js';

/** File of the seed inside `<dataDir>/tlog/`. */
export const LOG_KEY_FILE = 'log-key';

/** Opens (or creates) the log key for `origin`; `seed` is for tests that need a fixed key. */
export function openLogKey(origin: string, dataDir: string | null, seed?: Uint8Array): NoteSigner {
  if (seed !== undefined) return noteSignerFromSeed(origin, seed);
  if (dataDir === null) return noteSignerFromSeed(origin, new Uint8Array(randomBytes(32)));
  const dir = join(dataDir, 'tlog');
  const path = join(dir, LOG_KEY_FILE);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, new Uint8Array(randomBytes(32)), 0o600);
  }
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length !== 32) throw new Error(`${path} is not a 32-byte Ed25519 seed`);
  return noteSignerFromSeed(origin, bytes);
}
