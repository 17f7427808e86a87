/**
 * The users file (`sealfold serve --users FILE`): JSON validated against
 * [server-users.schema.json](../../spec/schemas/server-users.schema.json) (E2EE-API-812..814).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { SealfoldError } from '../../reference/src/errors/index.js';
import { packageFileUrl } from '../../reference/src/_internal/package-files.js';
import type { Store } from './store/index.js';
import { users } from './store/index.js';
import * as audit from './audit.js';

const addFormats = addFormatsNs.default;

const SCHEMA_URL = packageFileUrl('spec/schemas/server-users.schema.json');

/** One user of the file. */
export interface UsersFileUser {
  uid: string;
  password: string;
  displayName?: string;
  email?: string;
  appPasswords?: { name?: string; password: string }[];
}

/** Validates a parsed users file. @throws SealfoldError INPUT_MALFORMED naming the first problem. */
export function validateUsersFile(doc: unknown): { users: UsersFileUser[] } {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `users file: ${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`,
    );
  }
  const file = doc as { users: UsersFileUser[] };
  const seen = new Set<string>();
  for (const [i, u] of file.users.entries()) {
    // E2EE-API-405 (MUST, server): a uid given twice is an error, not a silently ignored entry.
    if (seen.has(u.uid))
      throw new SealfoldError(
        'INPUT_MALFORMED',
        `users file: /users/${i}/uid ${JSON.stringify(u.uid)} is already defined by an earlier entry`,
      );
    seen.add(u.uid);
  }
  return file;
}

/**
 * Reads and applies a users file: creates every user that does not exist yet (with its app
 * passwords), in one transaction. Existing users are left unchanged.
 * @returns the uids created.
 */
export function loadUsersFile(path: string, store: Store, nowMs: number): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SealfoldError('INPUT_MALFORMED', `users file ${path} cannot be read`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SealfoldError('INPUT_MALFORMED', `users file ${path} is not valid JSON`);
  }
  // E2EE-API-812 (MUST, server): validate the whole file before creating anyone.
  const file = validateUsersFile(doc);
  return store.transact((tx) => {
    const created: string[] = [];
    for (const u of file.users) {
      // E2EE-API-814 (MUST, server): an existing user is left as it is.
      if (tx.get('users', u.uid)) continue;
      users.createUser(tx, nowMs, u);
      for (const a of u.appPasswords ?? [])
        users.addAppPassword(tx, nowMs, u.uid, a.name ?? 'app', a.password);
      audit.append(tx, {
        time: nowMs,
        actor: 'management',
        action: 'user.create',
        object: `user:${u.uid}`,
      });
      created.push(u.uid);
    }
    return created;
  });
}
