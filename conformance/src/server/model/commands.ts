/**
 * The commands of the property-based model run as plain data, their fast-check generator, and
 * the one-line form a report shows. A command names things symbolically (an actor, a path from a
 * small pool, a folder slot, "the token this actor holds"), so that any command is meaningful in
 * any state: the model decides what the server must answer, including every refusal.
 *
 * @module
 */
import fc from 'fast-check';
import type { ModelActor } from './model.js';

/** Which token a request carries: the one the actor holds, one it held before, or none. */
export type TokenChoice = 'mine' | 'stale' | 'none';
/** The counter a lock sends, relative to the stored counter (E2EE-LOCK-010, E2EE-LOCK-011). */
export type CounterChoice = 'next' | 'skip' | 'same' | 'lower' | 'zero';

export type Command =
  | { op: 'lock'; actor: ModelActor; counter: CounterChoice }
  | { op: 'unlock'; actor: ModelActor; token: TokenChoice; abort: boolean }
  | {
      op: 'meta';
      actor: ModelActor;
      kind: 'post' | 'put' | 'delete';
      folder: number;
      token: TokenChoice;
      doc: number;
    }
  | { op: 'put'; actor: ModelActor; path: string[]; token: TokenChoice; body: number }
  | { op: 'mkcol'; actor: ModelActor; path: string[]; token: TokenChoice }
  | { op: 'delete'; actor: ModelActor; path: string[]; token: TokenChoice }
  | { op: 'move'; actor: ModelActor; from: string[]; to: string[]; token: TokenChoice }
  | { op: 'read'; actor: ModelActor; path: string[] }
  | { op: 'share'; recipient: ModelActor; sub: string | null; perms: number }
  | { op: 'unshare'; actor: ModelActor; recipient: ModelActor }
  | { op: 'filedrop'; actor: ModelActor; folder: number; entry: number };

/** Which command families a run draws from (by the target's claims). */
export interface Families {
  sharing: boolean;
  filedrop: boolean;
}

/** Sub-folders live one level below the top folder; files at either level. */
const FOLDER_NAMES = ['d1', 'd2'] as const;
const FILE_NAMES = ['f1', 'f2'] as const;

/**
 * The commands every run starts with, two transactions as clients leave a new folder: the first
 * document (its commit stores no counter, E2EE-LOCK-012), then, under a lock whose counter skips
 * a value (E2EE-LOCK-011), a file `f1`, a sub-folder `d1` with its first document and the top
 * folder's next document. The random part thus starts from a stored counter of 2, with something
 * to move, delete and read. The committed documents are in the spaced layout, so that the first
 * comparison already checks that the target keeps them byte for byte (E2EE-API-126).
 */
const SETUP: readonly Command[] = [
  { op: 'lock', actor: 'alice', counter: 'next' },
  { op: 'meta', actor: 'alice', kind: 'post', folder: 0, token: 'mine', doc: 2 },
  { op: 'unlock', actor: 'alice', token: 'mine', abort: false },
  { op: 'lock', actor: 'alice', counter: 'skip' },
  { op: 'put', actor: 'alice', path: ['f1'], token: 'mine', body: 1 },
  { op: 'mkcol', actor: 'alice', path: ['d1'], token: 'mine' },
  { op: 'meta', actor: 'alice', kind: 'post', folder: 1, token: 'mine', doc: 4 },
  { op: 'meta', actor: 'alice', kind: 'put', folder: 0, token: 'mine', doc: 1 },
  { op: 'unlock', actor: 'alice', token: 'mine', abort: false },
];

/** The setup of a run: with sharing, bob also gets a share, so recipients act from the start. */
export function setupCommands(f: Families): readonly Command[] {
  return f.sharing ? [...SETUP, { op: 'share', recipient: 'bob', sub: null, perms: 31 }] : SETUP;
}

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

const token = fc.oneof(
  { weight: 8, arbitrary: fc.constant<TokenChoice>('mine') },
  { weight: 1, arbitrary: fc.constant<TokenChoice>('stale') },
  { weight: 1, arbitrary: fc.constant<TokenChoice>('none') },
);
const counter = fc.oneof(
  { weight: 6, arbitrary: fc.constant<CounterChoice>('next') },
  { weight: 1, arbitrary: fc.constant<CounterChoice>('skip') },
  { weight: 2, arbitrary: fc.constant<CounterChoice>('same') },
  { weight: 1, arbitrary: fc.constant<CounterChoice>('lower') },
  { weight: 1, arbitrary: fc.constant<CounterChoice>('zero') },
);
/** A transaction's lock: mostly the next counter, as clients send it. */
const transactionCounter = fc.oneof(w(10, fc.constant<CounterChoice>('next')), w(1, counter));
const filePath = fc.oneof(
  w(
    3,
    fc.tuple(fc.constantFrom(...FILE_NAMES)).map((p) => [...p]),
  ),
  w(
    1,
    fc.tuple(fc.constantFrom(...FOLDER_NAMES), fc.constantFrom(...FILE_NAMES)).map((p) => [...p]),
  ),
);
const folderPath = fc.constantFrom(...FOLDER_NAMES).map((d) => [d]);
/** Folder slots: 0 is the top folder, 1 the newest folder, 2 the one before, and so on. */
const slot = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.nat({ max: 7 }) },
);
const small = fc.nat({ max: 999 });
type Weighted = { weight: number; arbitrary: fc.Arbitrary<Command> };

function actorArbitrary(f: Families): fc.Arbitrary<ModelActor> {
  return f.sharing
    ? fc.constantFrom<ModelActor>('alice', 'bob', 'carol')
    : fc.oneof(
        w(6, fc.constant<ModelActor>('alice')),
        w(1, fc.constantFrom<ModelActor>('bob', 'carol')),
      );
}

/** The writes of a transaction (and, with random tokens, of interfering requests). */
function writeArbitrary(f: Families, actor: fc.Arbitrary<ModelActor>): fc.Arbitrary<Command> {
  const arbs: Weighted[] = [
    w(
      4,
      fc.record({
        op: fc.constant('meta' as const),
        actor,
        kind: fc.constantFrom('post' as const, 'put' as const, 'delete' as const),
        folder: slot,
        token,
        doc: small,
      }),
    ),
    w(3, fc.record({ op: fc.constant('put' as const), actor, path: filePath, token, body: small })),
    w(2, fc.record({ op: fc.constant('mkcol' as const), actor, path: folderPath, token })),
    w(
      2,
      fc.record({
        op: fc.constant('delete' as const),
        actor,
        path: fc.oneof(filePath, folderPath),
        token,
      }),
    ),
    w(
      2,
      fc.oneof(
        fc.record({ op: fc.constant('move' as const), actor, from: filePath, to: filePath, token }),
        fc.record({
          op: fc.constant('move' as const),
          actor,
          from: folderPath,
          to: folderPath,
          token,
        }),
      ),
    ),
  ];
  if (f.filedrop)
    arbs.push(
      w(1, fc.record({ op: fc.constant('filedrop' as const), actor, folder: slot, entry: small })),
    );
  return fc.oneof(...arbs);
}

/**
 * Any single command. Without sharing, bob and carol are outsiders whose every request must be
 * refused; with it they act as often as alice.
 */
export function commandArbitrary(f: Families): fc.Arbitrary<Command> {
  const actor = actorArbitrary(f);
  const recipient = fc.constantFrom<ModelActor>('bob', 'carol');
  const arbs: Weighted[] = [
    w(3, fc.record({ op: fc.constant('lock' as const), actor, counter })),
    w(3, fc.record({ op: fc.constant('unlock' as const), actor, token, abort: fc.boolean() })),
    w(10, writeArbitrary(f, actor)),
    w(1, fc.record({ op: fc.constant('read' as const), actor, path: filePath })),
  ];
  if (f.sharing)
    arbs.push(
      w(
        3,
        fc.record({
          op: fc.constant('share' as const),
          recipient,
          sub: fc.oneof(w(4, fc.constant(null)), w(1, fc.constantFrom<string>(...FOLDER_NAMES))),
          perms: fc.constantFrom(31, 1),
        }),
      ),
      w(1, fc.record({ op: fc.constant('unshare' as const), actor, recipient })),
    );
  if (f.filedrop)
    arbs.push(
      w(2, fc.record({ op: fc.constant('filedrop' as const), actor, folder: slot, entry: small })),
    );
  return fc.oneof(...arbs);
}

/**
 * A transaction as clients run one: lock, one to four writes by the same actor, unlock or
 * abort; optionally one other command (another actor's, a read, a share change) in the middle.
 */
function transactionArbitrary(f: Families): fc.Arbitrary<Command[]> {
  return fc
    .record({
      actor: actorArbitrary(f),
      counter: transactionCounter,
      writes: fc.array(writeArbitrary(f, fc.constant<ModelActor>('alice')), {
        minLength: 1,
        maxLength: 4,
      }),
      abort: fc.boolean(),
      token,
      other: fc.option(fc.tuple(commandArbitrary(f), fc.nat({ max: 4 }))),
    })
    .map(({ actor, counter: c, writes, abort, token: t, other }) => {
      const body: Command[] = writes.map((x) => ({ ...x, actor }));
      if (other) body.splice(other[1] % (body.length + 1), 0, other[0]);
      return [
        { op: 'lock', actor, counter: c },
        ...body,
        { op: 'unlock', actor, token: t, abort },
      ] satisfies Command[];
    });
}

/** Random command lists of at most `maxCommands` commands: transactions and single commands. */
export function commandsArbitrary(f: Families, maxCommands: number): fc.Arbitrary<Command[]> {
  const max = Math.max(1, maxCommands);
  return fc
    .array(
      fc.oneof(
        w(3, transactionArbitrary(f)),
        w(
          2,
          commandArbitrary(f).map((c) => [c]),
        ),
      ),
      {
        minLength: 1,
        maxLength: Math.ceil(max / 2),
        size: 'max', // lengths up to the budget, not fast-check's default of about ten
      },
    )
    .map((groups) => groups.flat().slice(0, max));
}

/** One readable line per command, as reports show shrunk counterexamples. */
export function describeCommand(c: Command): string {
  const p = (segs: readonly string[]) => segs.join('/');
  switch (c.op) {
    case 'lock':
      return `${c.actor} lock top counter=${c.counter}`;
    case 'unlock':
      return `${c.actor} ${c.abort ? 'abort' : 'unlock'} top token=${c.token}`;
    case 'meta':
      return `${c.actor} meta-data ${c.kind} folder#${c.folder} token=${c.token} doc#${c.doc}`;
    case 'put':
      return `${c.actor} PUT ${p(c.path)} token=${c.token} body#${c.body}`;
    case 'mkcol':
      return `${c.actor} MKCOL ${p(c.path)} token=${c.token}`;
    case 'delete':
      return `${c.actor} DELETE ${p(c.path)} token=${c.token}`;
    case 'move':
      return `${c.actor} MOVE ${p(c.from)} -> ${p(c.to)} token=${c.token}`;
    case 'read':
      return `${c.actor} GET ${p(c.path)}`;
    case 'share':
      return `alice share ${c.sub === null ? 'top' : c.sub} with ${c.recipient} permissions=${c.perms}`;
    case 'unshare':
      return `${c.actor} delete the share with ${c.recipient}`;
    case 'filedrop':
      return `${c.actor} filedrop folder#${c.folder} entry#${c.entry}`;
  }
}
