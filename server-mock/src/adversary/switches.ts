/**
 * The attacks installed on one server: which attack, in which scope, how often it fired, and the
 * evidence of every firing (what a report shows). Never random: an installed attack fires on
 * every matching answer, or only on the `nth` one, at most `count` times. Nothing is installed
 * unless a test installs it through the management API; nothing persists.
 *
 * @module
 */
import { ATTACKS, isAttackName, type AttackName, type AttackRoute } from './catalogue.js';

/** Where an installed attack applies; every given field must match. */
export interface AttackScope {
  /** Only answers to this user (the authenticated uid). */
  readonly user?: string;
  /** Only answers about a node whose own name or an ancestor's name is this folder name. */
  readonly folder?: string;
  /** Only the nth matching answer (1-based) after installation. */
  readonly nth?: number;
}

/** An installation request (the body of `POST /__sealfold/attacks`). */
export interface AttackInstall {
  readonly attack: AttackName;
  readonly scope?: AttackScope;
  /** Fire at most this often (default: without limit). */
  readonly count?: number;
  /** Attack-specific string parameters (`user`, `source`). */
  readonly params?: Readonly<Record<string, string>>;
}

/** An installed attack as the management API lists it. */
export interface InstalledAttack extends AttackInstall {
  readonly id: number;
  /** Matching answers seen since installation. */
  readonly seen: number;
  /** Answers rewritten. */
  readonly fired: number;
}

/** One rewritten answer: the evidence a report quotes. */
export interface AttackEvidence {
  readonly id: number;
  readonly attack: AttackName;
  readonly request: string;
  readonly user: string | null;
  /** What was done, in words (no secrets: documents and keys are never quoted). */
  readonly detail: string;
}

/**
 * One tampered answer as it was served (E2EE-CONF-472): the bytes a reader of a recorded run
 * needs to be served again. Kept apart from the evidence, which never quotes a document.
 */
export type ServedAnswer =
  | {
      readonly id: number;
      readonly route: 'meta-data-get';
      /** The server file id of the folder whose metadata was served. */
      readonly folderId: string;
      readonly documentWire: string;
      /** The signature header as served ('' when the answer carried none). */
      readonly signatureWire: string;
    }
  | {
      readonly id: number;
      readonly route: 'dav-file-get';
      /** The last path segment of the download (the file's object id). */
      readonly fileId: string;
      /** The body as served, lowercase hex. */
      readonly hex: string;
    };

/** What the rewriting layer knows of an answer when it asks which attacks apply. */
export interface AnswerFacts {
  readonly route: AttackRoute;
  readonly user: string | null;
  /** Names of the node the answer is about and of its ancestors (empty when unknown). */
  readonly names: readonly string[];
}

export interface AttackSwitches {
  /** Installs one attack; throws TypeError on an invalid request. */
  install(request: unknown): InstalledAttack;
  list(): InstalledAttack[];
  /** Removes one installed attack (true when it existed), or all of them. */
  remove(id?: number): boolean;
  /** The attacks that fire on this answer, counting it as seen for every attack that matches. */
  match(facts: AnswerFacts): InstalledAttack[];
  /** Records a firing. */
  record(e: Omit<AttackEvidence, 'attack'> & { attack: AttackName }): void;
  evidence(): AttackEvidence[];
  /** Keeps a tampered answer as it was served (while its attack is installed). */
  served(a: ServedAnswer): void;
  /** The tampered answers attack `id` served, in order (empty once it is removed). */
  servedBy(id: number): ServedAnswer[];
}

/** The most evidence kept (oldest dropped first). */
const EVIDENCE_LIMIT = 1000;
/** The most served answers kept per installed attack (oldest dropped first). */
const SERVED_LIMIT = 64;

function fail(message: string): never {
  throw new TypeError(message);
}

function optPositiveInt(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    fail(`${name} must be a positive integer`);
  return v;
}

function optName(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '' || v.length > 255)
    fail(`${name} must be a non-empty string`);
  return v;
}

/** Validates an installation request (management API input). */
export function parseInstall(body: unknown): AttackInstall {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    fail('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b))
    if (!['attack', 'scope', 'count', 'params'].includes(k)) fail(`unknown field ${k}`);
  if (!isAttackName(b.attack)) fail(`attack must be one of: ${Object.keys(ATTACKS).join(', ')}`);
  let scope: AttackScope | undefined;
  if (b.scope !== undefined) {
    const s = b.scope as Record<string, unknown>;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) fail('scope must be an object');
    for (const k of Object.keys(s))
      if (!['user', 'folder', 'nth'].includes(k)) fail(`unknown scope field ${k}`);
    const user = optName(s.user, 'scope.user');
    const folder = optName(s.folder, 'scope.folder');
    const nth = optPositiveInt(s.nth, 'scope.nth');
    scope = {
      ...(user !== undefined ? { user } : {}),
      ...(folder !== undefined ? { folder } : {}),
      ...(nth !== undefined ? { nth } : {}),
    };
  }
  const count = optPositiveInt(b.count, 'count');
  let params: Record<string, string> | undefined;
  if (b.params !== undefined) {
    const p = b.params as Record<string, unknown>;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('params must be an object');
    params = {};
    for (const [k, v] of Object.entries(p)) params[k] = optName(v, `params.${k}`)!;
  }
  return {
    attack: b.attack,
    ...(scope ? { scope } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(params ? { params } : {}),
  };
}

/**
 * Attack switches with nothing installed.
 * @example
 * const attacks = attackSwitches();
 * attacks.install({ attack: 'counter-rollback', scope: { user: 'alice', folder: 'box' } });
 */
export function attackSwitches(): AttackSwitches {
  let next = 1;
  const installed: Array<{ spec: AttackInstall; id: number; seen: number; fired: number }> = [];
  const evidence: AttackEvidence[] = [];
  const servedAnswers = new Map<number, ServedAnswer[]>();
  const view = (a: (typeof installed)[number]): InstalledAttack => ({
    ...a.spec,
    id: a.id,
    seen: a.seen,
    fired: a.fired,
  });
  return {
    install(request) {
      const spec = parseInstall(request);
      const a = { spec, id: next++, seen: 0, fired: 0 };
      installed.push(a);
      return view(a);
    },
    list: () => installed.map(view),
    remove(id) {
      if (id === undefined) {
        servedAnswers.clear();
        return installed.splice(0, installed.length).length > 0;
      }
      const i = installed.findIndex((a) => a.id === id);
      if (i === -1) return false;
      installed.splice(i, 1);
      servedAnswers.delete(id);
      return true;
    },
    match(facts) {
      const out: InstalledAttack[] = [];
      for (const a of installed) {
        const { scope } = a.spec;
        if (ATTACKS[a.spec.attack].route !== facts.route) continue;
        if (scope?.user !== undefined && scope.user !== facts.user) continue;
        if (scope?.folder !== undefined && !facts.names.includes(scope.folder)) continue;
        a.seen++;
        if (scope?.nth !== undefined && a.seen !== scope.nth) continue;
        if (a.spec.count !== undefined && a.fired >= a.spec.count) continue;
        a.fired++;
        out.push(view(a));
      }
      return out;
    },
    record(e) {
      evidence.push(e);
      if (evidence.length > EVIDENCE_LIMIT) evidence.shift();
    },
    evidence: () => [...evidence],
    served(a) {
      // E2EE-CONF-472 (MUST, server): only an installed attack's answers are kept.
      if (!installed.some((x) => x.id === a.id)) return;
      const list = servedAnswers.get(a.id) ?? [];
      list.push(a);
      if (list.length > SERVED_LIMIT) list.shift();
      servedAnswers.set(a.id, list);
    },
    servedBy: (id) => [...(servedAnswers.get(id) ?? [])],
  };
}
