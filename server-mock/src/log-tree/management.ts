/**
 * Management resources of the log (only with `--management`): the witnesses the server submits
 * checkpoints to, and the adversarial switches of spec/21 §9 (`fork`, `omit`), each named,
 * deterministic and off until set.
 *
 * @module
 */
import { Router } from 'express';
import type { Deps } from '../http/context.js';
import { problem } from '../problems.js';
import { putTlogSettings, tlogSettings, type ForkSwitch, type OmitSwitch } from './state.js';

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');
}

function forkOf(v: unknown): ForkSwitch | null {
  if (v === null) return null;
  const f = v as Partial<ForkSwitch>;
  if (
    typeof v !== 'object' ||
    !isStringArray(f.users) ||
    !Number.isSafeInteger(f.atSize) ||
    f.atSize! < 0
  )
    throw problem('badRequest', 'fork must be null or { users: string[], atSize: integer ≥ 0 }');
  return { users: [...f.users], atSize: f.atSize! };
}

function omitOf(v: unknown): OmitSwitch | null {
  if (v === null) return null;
  const o = v as Partial<OmitSwitch>;
  const kindsOk = Array.isArray(o.kinds) && o.kinds.every((k) => k === 'key' || k === 'metadata');
  if (typeof v !== 'object' || !kindsOk || !Number.isSafeInteger(o.count) || o.count! < 0)
    throw problem(
      'badRequest',
      'omit must be null or { kinds: ("key"|"metadata")[], count: integer ≥ 0 }',
    );
  return { kinds: [...o.kinds!], count: o.count! };
}

export function tlogManagementRouter({ store }: Deps): Router {
  const r = Router();
  const settings = () => {
    const s = tlogSettings(store);
    if (s === null)
      throw problem('notFound', 'the transparency log is off (--transparency-log ORIGIN)');
    return s;
  };
  r.get('/switches', (_req, res) => {
    const s = settings();
    res.json({ fork: s.fork, omit: s.omit, witnesses: s.witnesses });
  });
  r.put('/switches', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    store.transact((tx) => {
      const s = settings();
      putTlogSettings(tx, {
        ...s,
        ...('fork' in body ? { fork: forkOf(body['fork']) } : {}),
        ...('omit' in body ? { omit: omitOf(body['omit']) } : {}),
      });
    });
    res.json({ ok: true });
  });
  r.put('/witnesses', (req, res) => {
    const list = req.body as unknown;
    if (
      !Array.isArray(list) ||
      !list.every((w) => typeof w?.url === 'string' && typeof w?.vkey === 'string')
    )
      throw problem('badRequest', 'witnesses must be [{ url, vkey }]');
    store.transact((tx) =>
      putTlogSettings(tx, {
        ...settings(),
        witnesses: list.map((w) => ({ url: w.url, vkey: w.vkey })),
      }),
    );
    res.json({ ok: true });
  });
  return r;
}
