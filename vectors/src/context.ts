/**
 * What every vector generator gets: the seed, the fixed clock, the committed input keys and the
 * `source` block. Generators take randomness only from {@link GenContext.rng}, time only from
 * {@link GenContext.now}, and keys only from `vectors/keys/` (RSA key generation in node:crypto
 * cannot be seeded, so the few keys are generator inputs, made once; see vectors/keys/README.md).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateKeyFromPem, publicKeyOf } from '../../reference/src/keys/index.js';
import type { Rng } from '../../reference/src/_internal/bytes.js';
import type { Source } from './envelope.js';
import { seededRng } from './rng.js';
import { packageFileUrl } from '../../reference/src/_internal/package-files.js';

/** The seed of the published vector set. */
export const DEFAULT_SEED = 'sealfold-vectors-1';

/** The generator's clock: every certificate, signature and pin uses this instant. */
export const VECTOR_TIME = new Date('2026-01-15T12:00:00Z');

/** The vectors/ folder, found from the package root so that the compiled code finds it too. */
export const VECTORS_DIR = fileURLToPath(packageFileUrl('vectors/'));

/** A committed input key: PKCS#8 DER, its SPKI DER, and the PEM exactly as committed. */
export interface InputKey {
  readonly name: string;
  readonly pkcs8: Uint8Array;
  readonly spki: Uint8Array;
  readonly pem: string;
}

export interface GenContext {
  readonly seed: string;
  readonly now: Date;
  /** The vectors/ folder the committed inputs are read from. */
  readonly vectorsDir: string;
  readonly source: Source;
  /** A deterministic byte stream per label (labels must be unique per use). */
  rng(label: string): Rng;
  key(name: string): InputKey;
}

function loadKeys(dir: string): Map<string, InputKey> {
  const keys = new Map<string, InputKey>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.pem'))) {
    const pem = readFileSync(join(dir, f), 'utf8');
    const name = f.slice(0, -'.pem'.length);
    // Non-RSA and policy-violating keys are inputs too; only their PEM is needed for those.
    let pkcs8: Uint8Array = new Uint8Array(0);
    let spki: Uint8Array = new Uint8Array(0);
    try {
      pkcs8 = privateKeyFromPem(pem);
      spki = publicKeyOf(pkcs8);
    } catch {
      // Left empty: a generator that needs them for such a key fails loudly on the empty array.
    }
    keys.set(name, { name, pkcs8, spki, pem });
  }
  return keys;
}

/** SHA-256 over the generator's sources in name order: the `source.commit` of every file. */
export function generatorHash(dir = join(VECTORS_DIR, 'src')): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) h.update(e.name).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Builds the context for `seed`. */
export function createContext(seed = DEFAULT_SEED, vectorsDir = VECTORS_DIR): GenContext {
  const keys = loadKeys(join(vectorsDir, 'keys'));
  const pkg = JSON.parse(readFileSync(join(vectorsDir, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const source: Source = {
    generator: 'sealfold-vectors',
    version: pkg.version,
    commit: generatorHash(join(vectorsDir, 'src')),
  };
  const used = new Set<string>();
  return {
    seed,
    now: VECTOR_TIME,
    vectorsDir,
    source,
    rng(label) {
      if (used.has(label)) throw new Error(`rng label used twice: ${label}`);
      used.add(label);
      return seededRng(seed, label);
    },
    key(name) {
      const k = keys.get(name);
      if (k === undefined) throw new Error(`no input key vectors/keys/${name}.pem`);
      return k;
    },
  };
}
