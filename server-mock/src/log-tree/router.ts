/**
 * HTTP resources of the transparency log (spec/21 §5), mounted at {@link TLOG_PATH} when the
 * server config names a log origin: the checkpoint (with witness cosignatures), entry bundles in
 * the c2sp.org/tlog-tiles layout, and inclusion and consistency proofs, each for the requester's
 * view of the log.
 *
 * @module
 */
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../http/context.js';
import { requireUser } from '../http/context.js';
import {
  consistencyProof,
  inclusionProof,
  parseTilePath,
  tileHashes,
  tileWidthAt,
} from '../../../reference/src/log/index.js';
import { formatVerifierKey, type NoteSigner } from '../../../reference/src/log/index.js';
import { toBase64, utf8 } from '../../../reference/src/bytes/index.js';
import { openLogKey } from './key.js';
import { logViewFor, signCheckpoint, type LogView } from './view.js';
import { putTlogSettings, tlogSettings } from './state.js';
import { witnessClient } from './submit.js';
import { TLOG_PATH } from './paths.js';

/** Entries per bundle (c2sp.org/tlog-tiles). */
export const TILE_WIDTH = 256;

function text(
  res: Response,
  status: number,
  body: string | Uint8Array,
  type = 'text/plain; charset=utf-8',
): void {
  res
    .status(status)
    .type(type)
    .send(typeof body === 'string' ? body : Buffer.from(body));
}

/** A decimal query parameter, or null. */
function num(req: Request, name: string): number | null {
  const v = req.query[name];
  return typeof v === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(v) ? Number(v) : null;
}

/** tlog-tiles index path (`x001/x234/067`) → number, or null. */
export function parseTileIndex(path: string): number | null {
  const parts = path.split('/');
  if (parts.length === 0 || parts.length > 6) return null;
  let n = 0;
  for (const [i, p] of parts.entries()) {
    const last = i === parts.length - 1;
    const m = last ? /^([0-9]{3})$/.exec(p) : /^x([0-9]{3})$/.exec(p);
    if (m === null) return null;
    n = n * 1000 + Number(m[1]);
  }
  return n;
}

/** The view without its newest entry: the `log-checkpoint-stale` fault switch. */
function staleView(v: LogView): LogView {
  return { ...v, entries: v.entries.slice(0, -1), leaves: v.leaves.slice(0, -1) };
}

/** The log key of each running server (one per app: a memory-only key must not change). */
const KEYS = new WeakMap<Deps, NoteSigner>();

/**
 * Brings the store's log state in line with the config (created when a log origin is configured,
 * removed when not, so that a server without the log keeps none) and returns the log key, or null.
 */
export function ensureLog(deps: Deps): NoteSigner | null {
  const { config, store } = deps;
  const origin = config.transparencyLog;
  if (origin === null) {
    if (tlogSettings(store) !== null) store.transact((tx) => tx.del('documents', 'tlog'));
    return null;
  }
  if (tlogSettings(store) === null)
    store.transact((tx) => putTlogSettings(tx, { origin, witnesses: [], fork: null, omit: null }));
  let key = KEYS.get(deps);
  if (key === undefined) KEYS.set(deps, (key = deps.logKey ?? openLogKey(origin, config.dataDir)));
  return key;
}

/** The public description the capability carries (E2EE-LOG-001), or null without a log. */
export function logCapability(
  deps: Deps,
): { origin: string; 'verifier-key': string; path: string } | null {
  const key = KEYS.get(deps) ?? ensureLog(deps);
  if (key === null) return null;
  return { origin: key.name, 'verifier-key': formatVerifierKey(key.verifier), path: TLOG_PATH };
}

export function tlogRouter(deps: Deps): Router {
  const { store, faults } = deps;
  const r = Router();
  const key = ensureLog(deps);
  if (key === null) return r;
  const witnesses = witnessClient();
  const viewOf = (req: Request): LogView =>
    logViewFor(store, requireUser(req), faults.on('log-fork-per-user'));

  r.get('/checkpoint', async (req, res, next) => {
    try {
      const all = viewOf(req);
      const v = faults.on('log-checkpoint-stale') ? staleView(all) : all;
      const { text: cpText, note } = signCheckpoint(v, key);
      let cosigs = '';
      // A forked branch gets only cosignatures a witness once gave for the same checkpoint (the
      // common prefix): a strong attacker replays them.
      for (const w of tlogSettings(store)?.witnesses ?? [])
        cosigs += v.main
          ? await witnesses.cosignatures(w.url, cpText, note, v.leaves).catch(() => '')
          : witnesses.cached(w.url, cpText);
      text(res, 200, note + cosigs);
    } catch (e) {
      next(e);
    }
  });

  r.use('/tile/entries', (req, res) => {
    const v = viewOf(req);
    let path = req.path.replace(/^\//, '');
    let width = TILE_WIDTH;
    const partial = /^(.*)\.p\/([0-9]{1,3})$/.exec(path);
    if (partial) {
      path = partial[1]!;
      width = Number(partial[2]);
    }
    const n = parseTileIndex(path);
    // E2EE-LOG-030 (MUST, server): 400 for a malformed request, 404 beyond the served size.
    if (req.method !== 'GET' || n === null || width < 1 || width > TILE_WIDTH)
      return text(res, 400, 'bad tile path\n');
    const start = n * TILE_WIDTH;
    if (start + width > v.entries.length || (partial === null && width !== TILE_WIDTH))
      return text(res, 404, 'no such bundle\n');
    const chunks: Uint8Array[] = [];
    for (const e of v.entries.slice(start, start + width)) {
      const b = utf8(e.entry);
      chunks.push(Uint8Array.of(b.length >> 8, b.length & 0xff), b);
    }
    text(res, 200, Buffer.concat(chunks), 'application/octet-stream');
  });

  // Hash tiles (c2sp.org/tlog-tiles), after the entry bundles so that `tile/entries/…` never
  // reaches here. Computed from the requester's view on each request: the mock keeps no tile files.
  r.use('/tile', (req, res) => {
    const v = viewOf(req);
    const t = parseTilePath(req.path.replace(/^\//, ''));
    // E2EE-LOG-120 (MUST, server): 400 for a malformed tile path, 404 for a tile the tree lacks.
    if (req.method !== 'GET' || t === null) return text(res, 400, 'bad tile path\n');
    const have = tileWidthAt(v.leaves.length, t.level, t.index);
    // A partial tile of any width up to the current one is a tile of an earlier tree size.
    if (have < t.width) return text(res, 404, 'no such tile\n');
    const hashes = tileHashes(v.leaves, t);
    // The `log-tile-corrupted` fault switch: one bit of the tile's last hash flipped.
    if (faults.on('log-tile-corrupted')) hashes.set([hashes.at(-32)! ^ 1], hashes.length - 32);
    text(res, 200, hashes, 'application/octet-stream');
  });

  r.get('/proof/inclusion', (req, res) => {
    const v = viewOf(req);
    const size = num(req, 'size');
    const index = num(req, 'index');
    if (size === null || index === null) return text(res, 400, 'size and index required\n');
    if (size > v.leaves.length || index >= size) return text(res, 404, 'beyond the tree\n');
    const proof = inclusionProof(v.leaves.slice(0, size), index);
    if (faults.on('log-inclusion-proof-corrupted') && proof[0] !== undefined)
      proof[0] = proof[0].map((b, i) => (i === 0 ? b ^ 1 : b));
    text(res, 200, proof.map((h) => `${toBase64(h)}\n`).join(''));
  });

  r.get('/proof/consistency', (req, res) => {
    const v = viewOf(req);
    const size = num(req, 'size');
    const old = num(req, 'old');
    if (size === null || old === null || old === 0 || old > size)
      return text(res, 400, 'old and size required\n');
    if (size > v.leaves.length) return text(res, 404, 'beyond the tree\n');
    const proof = consistencyProof(v.leaves.slice(0, size), old);
    text(res, 200, proof.map((h) => `${toBase64(h)}\n`).join(''));
  });
  return r;
}
