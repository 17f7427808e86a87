/**
 * The transparency log as the read pipeline's fork witness (spec/21 §7): before a read commits
 * anything, and after every write, it advances the verified log (server checkpoint, witnesses'
 * latest checkpoints) and requires every head to be the folder's latest logged document and every
 * first-seen member key to be that user's latest logged key. The new log state is stored only
 * when all of that passed (E2EE-LOG-065).
 *
 * @example
 * ```ts
 * const witness = transparencyLogWitness({ source, logKey, store: memoryLogTrustStore() });
 * const device = await enrol({ account, witness });
 * ```
 *
 * @module
 */
import type { FirstSeenKey, FolderHead, ForkWitness } from '../folders/read.js';
import type { LogSource } from './source.js';
import type { NoteVerifier } from './note.js';
import {
  advanceLog,
  checkDocumentLogged,
  checkKeyLogged,
  newLogTrust,
  type LogTrust,
  type TrustedWitness,
} from './verifier.js';

/** Where a client keeps its {@link LogTrust} for one server. */
export interface LogTrustStore {
  load(): Promise<LogTrust | undefined>;
  save(trust: LogTrust): Promise<void>;
}

/** A store in memory (tests; a real client persists it with its other trust state). */
export function memoryLogTrustStore(initial?: LogTrust): LogTrustStore & { current?: LogTrust } {
  const s: LogTrustStore & { current?: LogTrust } = {
    ...(initial ? { current: initial } : {}),
    async load() {
      return s.current;
    },
    async save(t) {
      s.current = t;
    },
  };
  return s;
}

export interface LogWitnessOptions {
  readonly source: LogSource;
  /** The pinned log key; its name is the origin (E2EE-LOG-002). */
  readonly logKey: NoteVerifier;
  readonly store: LogTrustStore;
  readonly witnesses?: readonly TrustedWitness[];
  /** Cosignatures required on every checkpoint the server serves (E2EE-LOG-051). */
  readonly k?: number;
}

/** A {@link ForkWitness} backed by a transparency log. */
export function transparencyLogWitness(opts: LogWitnessOptions): ForkWitness {
  return {
    async witness(
      heads: readonly FolderHead[],
      origin,
      firstSeenKeys: readonly FirstSeenKey[] = [],
    ) {
      const before = (await opts.store.load()) ?? newLogTrust(opts.logKey.name);
      const next = await advanceLog(before, {
        source: opts.source,
        logKey: opts.logKey,
        ...(opts.witnesses ? { witnesses: opts.witnesses } : {}),
        ...(opts.k !== undefined ? { k: opts.k } : {}),
      });
      for (const h of heads) {
        if (h.documentHash === undefined) continue;
        // E2EE-LOG-062 (read) and E2EE-LOG-064 (own writes): the head is the latest logged one.
        checkDocumentLogged(next, h.folderId, h.documentHash, h.signer);
      }
      // E2EE-LOG-063 (MUST, client): first-seen keys are each user's latest logged key.
      for (const k of firstSeenKeys) checkKeyLogged(next, k.userId, k.certificateHash);
      void origin;
      // E2EE-LOG-065 (MUST, client): the log state changes only when everything above passed.
      await opts.store.save(next);
    },
  };
}
