/**
 * What one requester is shown of the log: every entry, or — under the mock's fork switch
 * (spec/21 §9) — one of two branches: the fork's users see the common prefix and the entries
 * their own requests appended; everyone else (and every witness) sees the prefix and the rest.
 * Also the tree facts of a view: leaf hashes, root, the signed checkpoint.
 *
 * @module
 */
import type { StoreView, TlogEntryRecord } from '../store/index.js';
import type { NoteSigner } from '../../../reference/src/log/index.js';
import { utf8 } from '../../../reference/src/bytes/index.js';
import { leafHash, rootHash } from '../../../reference/src/log/index.js';
import { formatCheckpoint } from '../../../reference/src/log/index.js';
import { signNote } from '../../../reference/src/log/index.js';
import { tlogSettings } from './state.js';

/** One branch of the log as a requester sees it. */
export interface LogView {
  readonly entries: readonly TlogEntryRecord[];
  readonly leaves: readonly Uint8Array[];
  /** True for the branch shown to everyone outside the fork switch. */
  readonly main: boolean;
}

/**
 * The view of `user` (null: anonymous or a witness, who see the main branch). `forkPerUser` is the
 * `log-fork-per-user` fault switch: every user gets a branch of their own from the empty tree.
 */
export function logViewFor(view: StoreView, user: string | null, forkPerUser = false): LogView {
  const all = view.list('tlog').sort((a, b) => a.index - b.index);
  const fork =
    forkPerUser && user !== null
      ? { users: [user], atSize: 0 }
      : (tlogSettings(view)?.fork ?? null);
  const forked = fork !== null && user !== null && fork.users.includes(user);
  const entries =
    fork === null
      ? all
      : all.filter((e) => e.index < fork.atSize || fork.users.includes(e.actor) === forked);
  return { entries, leaves: entries.map((e) => leafHash(utf8(e.entry))), main: !forked };
}

/** The signed checkpoint (note text and note) of a view; Ed25519 is deterministic. */
export function signCheckpoint(v: LogView, key: NoteSigner): { text: string; note: string } {
  // E2EE-LOG-021 (MUST, server): exactly three lines, no extension lines.
  const text = formatCheckpoint({
    origin: key.name,
    size: v.leaves.length,
    root: rootHash(v.leaves),
  });
  return { text, note: signNote(text, [key]) };
}
