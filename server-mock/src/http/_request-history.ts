/**
 * The most recent request-log entries, kept in memory so that the management API can show what
 * the server logged (`GET /__sealfold/requests`, E2EE-API-084): a conformance run reads it to check
 * that the log holds no secret (E2EE-SEC-060). Bounded; never persisted.
 *
 * @module
 */

/** Entries kept; older ones are dropped first. */
export const REQUEST_HISTORY_SIZE = 1000;

/** One request-log entry, as the logger received it. */
export type RequestLogEntry = Readonly<Record<string, string | number | boolean | null>>;

export interface RequestHistory {
  add(entry: RequestLogEntry): void;
  /** The kept entries, oldest first. */
  list(): RequestLogEntry[];
}

/** An empty history holding at most `size` entries. */
export function requestHistory(size = REQUEST_HISTORY_SIZE): RequestHistory {
  const entries: RequestLogEntry[] = [];
  return {
    add: (e) => {
      entries.push(e);
      if (entries.length > size) entries.splice(0, entries.length - size);
    },
    list: () => [...entries],
  };
}
