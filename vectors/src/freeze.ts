/**
 * `sealfold vectors freeze`: a recorded run (a failing case of the client certification suite, or
 * any run in the recorded-run format) becomes a committed input of the vector set,
 * `vectors/frozen/<name>.json`, and therefore the scenario vector `scenario/frozen-<name>` at the
 * next generation (which freeze runs itself). The run must first be one the reference agrees
 * with: a vector the reference fails would be a bug report, not a vector.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTORS_DIR } from './context.js';
import { readLedger } from './lint.js';
import {
  checkAgainstReference,
  FROZEN_DIR,
  parseRecordedRun,
  type RecordedRun,
} from './recorded-run.js';

/** Why a run cannot be frozen (the CLI prints the message and exits 1). */
export class FreezeRefused extends Error {
  override readonly name = 'FreezeRefused';
}

export interface FreezeResult {
  /** The vector id the run gets. */
  readonly id: string;
  /** The committed input, relative to vectors/. */
  readonly path: string;
  /** False when the same run was frozen before (nothing written). */
  readonly written: boolean;
}

/** The id prefix of frozen runs. */
export const FROZEN_PREFIX = 'frozen';

/** The bytes a frozen run is stored as: the run without `observed`, flagged Frozen. */
function frozenBytes(run: RecordedRun): Uint8Array {
  const kept: Record<string, unknown> = { ...run };
  delete kept.observed;
  kept.flags = run.flags.includes('Frozen') ? run.flags : [...run.flags, 'Frozen'];
  return new Uint8Array(Buffer.from(JSON.stringify(kept, null, 2) + '\n'));
}

/**
 * Freezes the recorded run `text` under `vectorsDir` (name from the run, or `name`). Refuses a run
 * that does not validate, one the reference disagrees with, and a name whose id is taken by other
 * content (ids are never reused).
 */
export async function freezeRun(
  text: string,
  opts: { name?: string; vectorsDir?: string } = {},
): Promise<FreezeResult> {
  const vectorsDir = opts.vectorsDir ?? VECTORS_DIR;
  let run: RecordedRun;
  try {
    const parsed = parseRecordedRun(text);
    run =
      opts.name === undefined
        ? parsed
        : parseRecordedRun(JSON.stringify({ ...parsed, name: opts.name }));
  } catch (e) {
    throw new FreezeRefused(`not a valid recorded run: ${(e as Error).message}`, { cause: e });
  }
  // E2EE-CONF-501: only a run the reference agrees with becomes a vector.
  try {
    await checkAgainstReference(run);
  } catch (e) {
    throw new FreezeRefused(`the reference disagrees: ${(e as Error).message}`, { cause: e });
  }
  const id = `scenario/${FROZEN_PREFIX}-${run.name}`;
  const path = `${FROZEN_DIR}/${run.name}.json`;
  const bytes = frozenBytes(run);
  const full = join(vectorsDir, path);
  if (existsSync(full)) {
    if (Buffer.from(readFileSync(full)).equals(Buffer.from(bytes)))
      return { id, path, written: false };
    throw new FreezeRefused(
      `${path} holds another run; choose another --name (ids are never reused)`,
    );
  }
  // E2EE-CONF-501: an id once published is never given to other content.
  if (readLedger(vectorsDir).includes(id))
    throw new FreezeRefused(`${id} was published before; choose another --name`);
  mkdirSync(join(vectorsDir, FROZEN_DIR), { recursive: true });
  writeFileSync(full, bytes);
  return { id, path, written: true };
}
