/**
 * Users and their credentials. Passwords are stored as salted SHA-256 hashes (a test server:
 * enough to keep passwords out of the data directory in clear, not a defence against offline
 * guessing) and compared in constant time.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import type { StoreView, Tx } from './store.js';
import type { UserRecord } from './types.js';
import { createRoot } from './tree.js';

/**
 * User ids: 1..64 characters from Nextcloud's allowed set (letters, digits, space, `_.@-'`).
 * `:` is excluded, so share-key owners `s:<token>` never collide with a uid.
 */
export const UID_RE = /^[A-Za-z0-9 _.@'-]{1,64}$/;

function hashPassword(salt: string, password: string): string {
  return createHash('sha256')
    .update(Buffer.from(salt, 'hex'))
    .update(password, 'utf8')
    .digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < 1 || password.length > 512)
    throw new SealfoldError('INPUT_MALFORMED', 'password must be a string of 1..512 characters');
  return password;
}

/**
 * Creates a user with a root folder.
 * @throws SealfoldError INPUT_MALFORMED (bad uid/password), ALREADY_EXISTS.
 */
export function createUser(
  tx: Tx,
  nowMs: number,
  args: { uid: string; password: string; displayName?: string; email?: string | null },
): UserRecord {
  if (typeof args.uid !== 'string' || !UID_RE.test(args.uid))
    throw new SealfoldError('INPUT_MALFORMED', "user id must be 1..64 of [A-Za-z0-9 _.@'-]");
  const password = checkPassword(args.password);
  if (tx.get('users', args.uid))
    throw new SealfoldError('ALREADY_EXISTS', 'the user already exists');
  const salt = randomBytes(16).toString('hex');
  const root = createRoot(tx, args.uid, Math.floor(nowMs / 1000));
  const user: UserRecord = {
    uid: args.uid,
    displayName:
      typeof args.displayName === 'string' && args.displayName !== '' ? args.displayName : args.uid,
    email: typeof args.email === 'string' ? args.email : null,
    passwordHash: hashPassword(salt, password),
    salt,
    rootId: root.id,
    createdAt: nowMs,
  };
  tx.put('users', user.uid, user);
  return user;
}

/**
 * Adds an app password for `uid`; generates a 72-character one (like Nextcloud's) when
 * `password` is not given.
 * @returns the app password in clear: shown once, never stored or logged.
 */
export function addAppPassword(
  tx: Tx,
  nowMs: number,
  uid: string,
  name: string,
  password?: string,
): string {
  if (!tx.get('users', uid)) throw new SealfoldError('NOT_FOUND', 'no such user');
  const secret =
    password === undefined ? randomBytes(54).toString('base64url') : checkPassword(password);
  const salt = randomBytes(16).toString('hex');
  const id = String(tx.nextId('appPassword'));
  tx.put('appPasswords', id, {
    id,
    uid,
    name,
    passwordHash: hashPassword(salt, secret),
    salt,
    createdAt: nowMs,
  });
  return secret;
}

/** Checks a login: `login` for the account password, `app` for an app password, else null. */
export function verifyLogin(
  view: StoreView,
  uid: string,
  password: string,
): 'login' | 'app' | null {
  const u = view.get('users', uid);
  if (!u) return null;
  if (same(u.passwordHash, hashPassword(u.salt, password))) return 'login';
  for (const a of view.list('appPasswords'))
    if (a.uid === uid && same(a.passwordHash, hashPassword(a.salt, password))) return 'app';
  return null;
}
