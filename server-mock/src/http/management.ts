/**
 * The management API (`/__sealfold/…`, only with `--management`; E2EE-API-080..089): create users
 * and app passwords, reset state, read the audit log, the state fingerprint and the CA key. It
 * is test tooling on a loopback test server and has no authentication; never enable it on a
 * reachable interface. It grows one path per control: fault switches (`/faults`) and the recent
 * request log (`/requests`) came with the conformance suite.
 *
 * Bodies and answers are plain JSON; errors are `{"error":{"code","message"}}`.
 *
 * @module
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { MANAGEMENT_TOKEN_HEADER, type ServerConfig } from '../config.js';
import type { Deps } from './context.js';
import { problem } from '../problems.js';
import * as audit from '../audit.js';
import { tree, users } from '../store/index.js';
import { PEM_LABELS, pemEncode } from '../../../reference/src/pem/index.js';
import { PROFILE_INFO } from '../profiles.js';
import { FAULT_NAMES, FAULTS, isFaultName } from '../faults.js';
import { ATTACK_NAMES, ATTACKS } from '../adversary/index.js';

/** Actor name used in audit records of management actions. */
export const MANAGEMENT_ACTOR = 'management';

function obj(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw problem('badRequest', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function optString(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw problem('badRequest', `${k} must be a string`);
  return v;
}

function optInt(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n))
    throw problem('badRequest', `${name} must be a non-negative integer`);
  return n;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Middleware: with a configured management token, every management request must carry it in
 * {@link MANAGEMENT_TOKEN_HEADER} (401 otherwise). Digests are compared in constant time.
 */
export function requireManagementToken(config: ServerConfig) {
  const expected = config.managementToken === null ? null : digest(config.managementToken);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const given = req.get(MANAGEMENT_TOKEN_HEADER);
    // E2EE-API-403 (MUST, server): a token-protected management API refuses requests without it.
    if (expected !== null && (given === undefined || !timingSafeEqual(digest(given), expected)))
      throw problem(
        'notLoggedIn',
        `the management API requires the ${MANAGEMENT_TOKEN_HEADER} header`,
      );
    next();
  };
}

export function managementRouter({
  config,
  store,
  ca,
  clock,
  faults,
  attacks,
  requests,
  lockTtl,
}: Deps): Router {
  const r = Router();

  r.get('/', (_req, res) => {
    res.json({
      profile: config.profile,
      apiVersion: PROFILE_INFO[config.profile].apiVersion,
      ca: ca.kind,
      strictSerial: config.strictSerial,
      persistent: config.dataDir !== null,
      endpoints: [
        'GET /users',
        'POST /users',
        'POST /users/:uid/app-passwords',
        'POST /reset',
        'GET /audit',
        'GET /state',
        'GET /ca',
        'GET /faults',
        'POST /faults',
        'GET /requests',
        'GET /attacks',
        'POST /attacks',
        'DELETE /attacks',
        'DELETE /attacks/:id',
        'GET /lock-ttl',
        'POST /lock-ttl',
      ],
    });
  });

  r.get('/users', (_req, res) => {
    res.json({
      users: store.list('users').map((u) => ({
        uid: u.uid,
        displayName: u.displayName,
        rootId: u.rootId,
        hasPublicKey: !!store.get('publicKeys', u.uid),
        hasPrivateKey: !!store.get('privateKeys', u.uid),
      })),
    });
  });

  r.post('/users', (req, res) => {
    const b = obj(req.body);
    const uid = optString(b, 'uid');
    const password = optString(b, 'password');
    if (uid === undefined || password === undefined)
      throw problem('badRequest', 'uid and password are required');
    const n = b.appPasswords === undefined ? 0 : b.appPasswords;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 10)
      throw problem('badRequest', 'appPasswords must be an integer 0..10');
    const created = store.transact((tx) => {
      const now = clock.now();
      const u = users.createUser(tx, now, {
        uid,
        password,
        displayName: optString(b, 'displayName'),
        email: optString(b, 'email') ?? null,
      });
      const secrets = Array.from({ length: n }, (_, i) =>
        users.addAppPassword(tx, now, uid, `app-${i + 1}`),
      );
      audit.append(tx, {
        time: now,
        actor: MANAGEMENT_ACTOR,
        action: 'user.create',
        object: `user:${uid}`,
      });
      return { uid: u.uid, rootId: u.rootId, appPasswords: secrets };
    });
    res.status(201).json(created);
  });

  r.post('/users/:uid/app-passwords', (req, res) => {
    const b = obj(req.body ?? {});
    const uid = String(req.params.uid);
    const secret = store.transact((tx) => {
      const now = clock.now();
      const s = users.addAppPassword(
        tx,
        now,
        uid,
        optString(b, 'name') ?? 'app',
        optString(b, 'password'),
      );
      audit.append(tx, {
        time: now,
        actor: MANAGEMENT_ACTOR,
        action: 'app-password.create',
        object: `user:${uid}`,
      });
      return s;
    });
    res.status(201).json({ uid, appPassword: secret });
  });

  r.post('/reset', (req, res) => {
    const b = obj(req.body ?? {});
    const keepUsers = b.keepUsers === undefined ? false : b.keepUsers;
    if (typeof keepUsers !== 'boolean') throw problem('badRequest', 'keepUsers must be a boolean');
    // E2EE-API-082 (MUST, server): one transaction, then the reset is the first audit record.
    const seq = store.transact((tx) => {
      const keep = keepUsers ? { users: tx.list('users'), apps: tx.list('appPasswords') } : null;
      tx.clearAll();
      const now = clock.now();
      if (keep) {
        for (const u of keep.users) {
          const root = tree.createRoot(tx, u.uid, Math.floor(now / 1000));
          tx.put('users', u.uid, { ...u, rootId: root.id });
        }
        for (const a of keep.apps) tx.put('appPasswords', a.id, a);
      }
      audit.append(tx, {
        time: now,
        actor: MANAGEMENT_ACTOR,
        action: 'state.reset',
        object: 'server',
        details: { keepUsers },
      });
      return tx.seq + 1;
    });
    res.json({ reset: true, keepUsers, seq });
  });

  r.get('/audit', (req, res) => {
    const q = req.query as Record<string, unknown>;
    const since = optInt(q.since, 'since');
    const actor = typeof q.actor === 'string' ? q.actor : undefined;
    const object = typeof q.object === 'string' ? q.object : undefined;
    res.json({ entries: audit.list(store, { since, actor, object }) });
  });

  r.get('/state', (_req, res) => {
    res.json({ seq: store.seq, fingerprint: store.fingerprint() });
  });

  r.get('/ca', async (_req, res) => {
    res.json({
      kind: ca.kind,
      publicKeyPem: pemEncode(PEM_LABELS.publicKey, await ca.publicKeySpki()),
      strictSerial: config.strictSerial,
    });
  });

  const faultState = () => ({
    active: faults.list(),
    known: FAULT_NAMES.map((name) => ({ name, ...FAULTS[name] })),
  });
  r.get('/faults', (_req, res) => {
    res.json(faultState());
  });
  r.post('/faults', (req, res) => {
    const b = obj(req.body);
    const active = b.active;
    // E2EE-API-829 (MUST, server): only known switches; an unknown name changes nothing.
    if (!Array.isArray(active) || !active.every(isFaultName))
      throw problem('badRequest', `active must be an array of: ${FAULT_NAMES.join(', ')}`);
    faults.set(active);
    res.json(faultState());
  });

  r.get('/lock-ttl', (_req, res) => {
    res.json({ seconds: lockTtl.seconds });
  });
  r.post('/lock-ttl', (req, res) => {
    const seconds = obj(req.body).seconds;
    // E2EE-API-085 (MUST, server): a TTL of 1..31536000 seconds replaces the one in force.
    if (
      typeof seconds !== 'number' ||
      !Number.isInteger(seconds) ||
      seconds < 1 ||
      seconds > 31_536_000
    )
      throw problem('badRequest', 'seconds must be an integer 1..31536000');
    const previous = lockTtl.seconds;
    lockTtl.seconds = seconds;
    res.json({ seconds, previous });
  });

  // Client attacks (../adversary/): installed one per POST, listed with how often each fired and
  // the evidence of every firing, removed one by one or all at once.
  const attackState = () => ({
    active: attacks.list(),
    evidence: attacks.evidence(),
    known: ATTACK_NAMES.map((name) => ({ name, ...ATTACKS[name] })),
  });
  r.get('/attacks', (_req, res) => {
    res.json(attackState());
  });
  r.post('/attacks', (req, res) => {
    let installed;
    try {
      // E2EE-CONF-452 (MUST, server): only catalogue attacks with a valid scope are installed.
      installed = attacks.install(req.body);
    } catch (e) {
      throw problem('badRequest', (e as Error).message);
    }
    res.status(201).json({ installed, ...attackState() });
  });
  // E2EE-CONF-472 (MUST, server): the tampered answers an installed attack served, as served.
  r.get('/attacks/:id/served', (req, res) => {
    const id = optInt(req.params.id, 'id');
    if (id === undefined || !attacks.list().some((a) => a.id === id)) throw problem('notFound');
    res.json({ served: attacks.servedBy(id) });
  });
  r.delete('/attacks', (_req, res) => {
    attacks.remove();
    res.json(attackState());
  });
  r.delete('/attacks/:id', (req, res) => {
    const id = optInt(req.params.id, 'id');
    if (id === undefined || !attacks.remove(id)) throw problem('notFound');
    res.json(attackState());
  });

  // E2EE-API-084 (MUST, server): the recent request log, exactly as it was logged.
  r.get('/requests', (_req, res) => {
    res.json({ entries: requests.list() });
  });

  return r;
}
