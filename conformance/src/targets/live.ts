/**
 * Live targets: a target file validated against spec/schemas/conformance-target.schema.json
 * (E2EE-CONF-021, E2EE-CONF-022), or the short form `--url URL --user ACTOR=USERID:ENVVAR`
 * (E2EE-CONF-023). Secrets are read from the environment or from files, never from argv.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Actor, ServerProfile } from '../server/check.js';
import { ACTORS, SERVER_PROFILES } from '../server/check.js';
import { ConfigError } from '../runner/config-error.js';
import type { PreparedTarget } from '../runner/run.js';
import { readJsonFile, validateOrThrow } from '../runner/schemas.js';
import { DEFAULT_BUDGET, DEFAULT_ISOLATION, DEFAULT_LIMITS } from './defaults.js';

type SecretRef = { env: string } | { file: string };

/** The target file after schema validation (defaults filled in by ajv). */
interface TargetFile {
  target: { name?: string; baseUrl: string };
  users: Record<Actor, { userId: string; secret: SecretRef }>;
  isolation?: Partial<PreparedTarget['isolation']>;
  claims: { profiles: ServerProfile[]; statusProfile: string; features?: string[] };
  limits?: Partial<PreparedTarget['limits']>;
  budget?: Partial<PreparedTarget['budget']>;
}

/** Reads one secret reference; unset variables and unreadable files are config errors. */
export function resolveSecret(
  ref: SecretRef,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
  who: string,
): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') {
      throw new ConfigError(`the secret of ${who} is read from $${ref.env}, which is not set`);
    }
    return v;
  }
  const path = resolve(baseDir, ref.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `the secret of ${who} is read from ${ref.file}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // A trailing newline is how editors and `echo` end files; it is not part of the password.
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new ConfigError(`the secret file of ${who} (${ref.file}) is empty`);
  return secret;
}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Loads a target file (E2EE-CONF-021). */
export function loadTargetFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): PreparedTarget {
  // E2EE-CONF-021 (MUST, suite): validate before any request; E2EE-CONF-022: secrets by reference only.
  const doc = validateOrThrow<TargetFile>(
    'conformance-target.schema.json',
    readJsonFile(path, 'target file'),
    `target file ${path}`,
  );
  const baseDir = dirname(path);
  const accounts = {} as Record<Actor, { userId: string; password: string }>;
  for (const actor of ACTORS) {
    const u = doc.users[actor];
    accounts[actor] = {
      userId: u.userId,
      password: resolveSecret(u.secret, env, baseDir, actor),
    };
  }
  return {
    kind: 'live',
    baseUrl: trimBase(doc.target.baseUrl),
    accounts,
    claims: {
      profiles: doc.claims.profiles,
      statusProfile: doc.claims.statusProfile,
      features: doc.claims.features ?? [],
    },
    isolation: { ...DEFAULT_ISOLATION, ...doc.isolation },
    limits: { ...DEFAULT_LIMITS, ...doc.limits },
    budget: { ...DEFAULT_BUDGET, ...doc.budget },
  };
}

const USER_SPEC = /^(alice|bob|carol|mallory)=([^:]+):([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * The short form (E2EE-CONF-023): `--url URL --user ACTOR=USERID:ENVVAR` for each of the four
 * actors. The part after `:` names an environment variable; a literal password is refused.
 */
export function shortFormTarget(opts: {
  url: string;
  users: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  statusProfile?: string;
  profiles?: readonly ServerProfile[];
}): PreparedTarget {
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(opts.url)) {
    throw new ConfigError(`--url ${JSON.stringify(opts.url)} is not an http(s) base URL`);
  }
  const accounts: Partial<Record<Actor, { userId: string; password: string }>> = {};
  for (const spec of opts.users) {
    const m = USER_SPEC.exec(spec);
    if (!m) {
      // The value may be a mistyped password: never echo it.
      throw new ConfigError(
        '--user must be ACTOR=USERID:ENVVAR (ACTOR one of alice, bob, carol, mallory; ENVVAR the name of an environment variable holding the password)',
      );
    }
    const [, actor, userId, envName] = m as unknown as [string, Actor, string, string];
    if (accounts[actor]) throw new ConfigError(`--user ${actor} is given twice`);
    accounts[actor] = {
      userId,
      password: resolveSecret({ env: envName }, opts.env, '.', actor),
    };
  }
  const missing = ACTORS.filter((a) => !accounts[a]);
  if (missing.length > 0) {
    throw new ConfigError(
      `--user is missing for ${missing.join(', ')} (all four actors are needed)`,
    );
  }
  const statusProfile = opts.statusProfile ?? 'nc32';
  if (!/^[a-z0-9-]{1,32}$/.test(statusProfile)) {
    throw new ConfigError(
      `--profile ${JSON.stringify(statusProfile)} is not a status profile name`,
    );
  }
  return {
    kind: 'live',
    baseUrl: trimBase(opts.url),
    accounts: accounts as Record<Actor, { userId: string; password: string }>,
    claims: {
      profiles: opts.profiles ?? ['server-core'],
      statusProfile,
      features: [],
    },
    isolation: DEFAULT_ISOLATION,
    limits: DEFAULT_LIMITS,
    budget: DEFAULT_BUDGET,
  };
}

/** Parses a `--claims` list (comma-separated profile names). */
export function parseClaims(list: string): ServerProfile[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const n of names) {
    if (!(SERVER_PROFILES as readonly string[]).includes(n)) {
      throw new ConfigError(
        `--claims: unknown profile ${n} (known: ${SERVER_PROFILES.join(', ')})`,
      );
    }
  }
  if (names.length === 0) throw new ConfigError('--claims names no profile');
  return [...new Set(names)] as ServerProfile[];
}
