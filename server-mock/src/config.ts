/**
 * The mock server's configuration: every mode and switch, parsed once into a frozen, typed object
 * that is passed to constructors. Nothing else in `server-mock/` reads `process.env` or argv.
 *
 * Process-wide *modes* live here (`profile`, `ca`, `strictSerial`, `management`), and the fault
 * switches that are on at start (`faults`); the management API can change the switches at run
 * time (`faults.ts`).
 *
 * @module
 */
import { SealfoldError } from '../../reference/src/errors/index.js';
import { FAULT_NAMES, FAULTS, isFaultName, type FaultName } from './faults.js';
import { ATTACK_NAMES } from './adversary/catalogue.js';

/**
 * Which Nextcloud server behaviour the mock reproduces (spec/10-server-api.md §2).
 *
 * - `nc30`: Nextcloud 28–30 with end_to_end_encryption 1.14–1.16 (the left column of the
 *   status-code table): private keys are stored verbatim, legacy status codes (412 for a missing
 *   lock counter, 403 for a foreign lock, 403 for a metadata PUT without lock), only the
 *   user-agent gate (no `X-E2EE-Supported` header).
 *   Example: `npx sealfold serve --profile nc30`
 * - `nc32`: Nextcloud 32 with end_to_end_encryption 1.18, plus the private-key format check of
 *   app 2.x (the stricter behaviour; see E2EE-API-041). The default.
 *   Example: `npx sealfold serve --profile nc32`
 */
export const PROFILES = ['nc30', 'nc32', 'nc33'] as const;
export type Profile = (typeof PROFILES)[number];

/**
 * Where the CA private key lives. `software`: an RSA-2048 key generated on first start and kept in
 * the data directory (in memory without one). `softhsm`: a non-extractable key inside a SoftHSM2
 * token, reached through PKCS#11.
 * Example: `npx sealfold serve --ca softhsm`
 */
export const CA_BACKENDS = ['software', 'softhsm'] as const;

/** Where the transparency log's key lives (`--transparency-log-key`). */
export const LOG_KEY_BACKENDS = ['software', 'softhsm', 'auto'] as const;
export type LogKeyBackend = (typeof LOG_KEY_BACKENDS)[number];
export type CaBackend = (typeof CA_BACKENDS)[number];

export interface ServerConfig {
  /** Interface to bind. Default `127.0.0.1` (loopback: this is a test server). */
  readonly host: string;
  /** TCP port; 0 picks a free one. Default 0 in code, 8080 for `sealfold serve`. */
  readonly port: number;
  /** Directory for persistent state (journal, snapshot, CA key); null = in memory only. */
  readonly dataDir: string | null;
  readonly profile: Profile;
  readonly ca: CaBackend;
  /** JSON users file (spec/schemas/server-users.schema.json) loaded at start; null = none. */
  readonly usersFile: string | null;
  /**
   * Serve the management API under {@link MANAGEMENT_PREFIX}. Off by default.
   * Example: `npx sealfold serve --management`
   */
  readonly management: boolean;
  /**
   * Serve the management API on a non-loopback `host` (E2EE-API-403). Off by default: such a
   * start is refused unless this is on and {@link managementToken} is set.
   * Example: `npx sealfold serve --host 0.0.0.0 --management --management-remote --management-token-file token.txt`
   */
  readonly managementRemote: boolean;
  /**
   * Token every management request must carry in {@link MANAGEMENT_TOKEN_HEADER}; null = none.
   * Read from a file by `sealfold serve --management-token-file` (secrets never go in argv).
   */
  readonly managementToken: string | null;
  /**
   * Seconds after which a folder lock may be rolled back automatically (Nextcloud's
   * `automatic_rollback_ttl`, default 86400). Range 1..31536000.
   * Example: `npx sealfold serve --lock-ttl 60`
   */
  readonly lockTtlSeconds: number;
  /**
   * Strict certificate serials: issue unique random 128-bit serials instead of Nextcloud's serial
   * 0 (E2EE-CERT-054). Off by default (compatible mode).
   * Example: `npx sealfold serve --strict-serial`
   */
  readonly strictSerial: boolean;
  /** Write one JSON line per HTTP request to the log sink. Default true. */
  readonly requestLog: boolean;
  /**
   * SoftHSM token user PIN (`--ca softhsm`). A published test PIN by default: the token protects
   * the CA key from extraction, not from callers of this test server.
   * Example: `npx sealfold serve --ca softhsm --hsm-pin 987654`
   */
  readonly hsmUserPin: string;
  /** SoftHSM security-officer PIN, used only when the token is created. */
  readonly hsmSoPin: string;
  /**
   * Fault switches on at start (`faults.ts`): deliberate misbehaviour for conformance tests, each
   * breaking one requirement. None by default; every one is named in the startup banner.
   * Example: `npx sealfold serve --fault commit-on-abort --fault ignore-lock-token`
   */
  readonly faults: readonly FaultName[];
  /**
   * Keep a transparency log with this origin line (spec/21-transparency-log.md); null = no log,
   * the server behaves as without chapter 21. Example: `npx sealfold serve --transparency-log sealfold.example/log`
   */
  readonly transparencyLog: string | null;
  /**
   * Where the log's Ed25519 key lives (spec/21 §1): `software` (default, a noble key in the data
   * directory), `softhsm` (a token of its own in SoftHSM2; the server does not start without it)
   * or `auto` (SoftHSM2 when it offers EdDSA, else the software key).
   * Example: `npx sealfold serve --transparency-log sealfold.example/log --transparency-log-key softhsm`
   */
  readonly transparencyLogKey: LogKeyBackend;
}

/** Prefix of the management API (only mounted when `management` is on). */
export const MANAGEMENT_PREFIX = '/__sealfold';

/** Header that carries the management token (E2EE-API-403). */
export const MANAGEMENT_TOKEN_HEADER = 'X-Sealfold-Management-Token';

/** Shortest accepted management token (a guessable token protects nothing). */
export const MANAGEMENT_TOKEN_MIN_LENGTH = 16;

/** True for hosts that only this machine reaches: `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

const DEFAULTS: ServerConfig = {
  host: '127.0.0.1',
  port: 0,
  dataDir: null,
  profile: 'nc32',
  ca: 'software',
  usersFile: null,
  management: false,
  managementRemote: false,
  managementToken: null,
  lockTtlSeconds: 86400,
  strictSerial: false,
  requestLog: true,
  hsmUserPin: '1234',
  hsmSoPin: '12345678',
  faults: [],
  transparencyLog: null,
  transparencyLogKey: 'software',
};

function bad(message: string): never {
  throw new SealfoldError('INPUT_MALFORMED', `server config: ${message}`);
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    bad(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function intIn(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    bad(`${name} must be an integer in ${min}..${max}`);
  return n;
}

function str(name: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') bad(`${name} must be a non-empty string`);
  return v;
}

function faultList(v: unknown): readonly FaultName[] {
  if (!Array.isArray(v)) bad('faults must be an array of fault names');
  for (const f of v)
    if (!isFaultName(f))
      bad(`unknown fault ${JSON.stringify(f)}; known: ${FAULT_NAMES.join(', ')}`);
  return Object.freeze(FAULT_NAMES.filter((n) => (v as unknown[]).includes(n)));
}

/** A checkpoint origin line: non-empty, no spaces, no '+' (c2sp.org/tlog-checkpoint). */
function logOrigin(v: unknown): string {
  const o = str('transparencyLog', v);
  if (/[\s+]/u.test(o)) bad('transparencyLog must be an origin without spaces or "+"');
  return o;
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') bad(`${name} must be a boolean`);
  return v;
}

/**
 * Validates and freezes a configuration; unknown keys and out-of-range values are rejected.
 *
 * @param input partial configuration; missing fields take the defaults above.
 * @returns a frozen {@link ServerConfig}.
 * @throws SealfoldError INPUT_MALFORMED naming the bad field.
 * @example
 * const cfg = parseConfig({ profile: 'nc30', port: 0 });
 */
export function parseConfig(
  input: Partial<Record<keyof ServerConfig, unknown>> = {},
): ServerConfig {
  for (const k of Object.keys(input))
    if (!(k in DEFAULTS)) bad(`unknown option ${JSON.stringify(k)}`);
  const v = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(input).filter(([, x]) => x !== undefined)),
  };
  const host = str('host', v.host);
  const management = bool('management', v.management);
  const managementRemote = bool('managementRemote', v.managementRemote);
  const managementToken =
    v.managementToken === null ? null : str('managementToken', v.managementToken);
  if (managementToken !== null && managementToken.length < MANAGEMENT_TOKEN_MIN_LENGTH)
    bad(`managementToken must have at least ${MANAGEMENT_TOKEN_MIN_LENGTH} characters`);
  // E2EE-API-403 (MUST, server): the management API reaches beyond loopback only when asked for
  // explicitly and protected by a token.
  if (management && !isLoopbackHost(host) && !(managementRemote && managementToken !== null))
    bad(
      `management on the non-loopback host ${host} exposes reset and user creation to the network; ` +
        'add --management-remote and --management-token-file FILE, or bind to 127.0.0.1',
    );
  return Object.freeze({
    host,
    port: intIn('port', v.port, 0, 65535),
    dataDir: v.dataDir === null ? null : str('dataDir', v.dataDir),
    profile: oneOf('profile', v.profile, PROFILES),
    ca: oneOf('ca', v.ca, CA_BACKENDS),
    usersFile: v.usersFile === null ? null : str('usersFile', v.usersFile),
    management,
    managementRemote,
    managementToken,
    lockTtlSeconds: intIn('lockTtlSeconds', v.lockTtlSeconds, 1, 31_536_000),
    strictSerial: bool('strictSerial', v.strictSerial),
    requestLog: bool('requestLog', v.requestLog),
    hsmUserPin: str('hsmUserPin', v.hsmUserPin),
    hsmSoPin: str('hsmSoPin', v.hsmSoPin),
    faults: faultList(v.faults),
    transparencyLog: v.transparencyLog === null ? null : logOrigin(v.transparencyLog),
    transparencyLogKey: oneOf('transparencyLogKey', v.transparencyLogKey, LOG_KEY_BACKENDS),
  });
}

/** The startup banner lines: every mode that differs from the default is echoed (style rule 18). */
export function describeConfig(c: ServerConfig): string[] {
  const lines = [
    `profile ${c.profile}, CA ${c.ca}, ${c.dataDir ? 'persistent data dir' : 'in-memory state'}`,
  ];
  if (c.management)
    lines.push(
      `management API enabled under ${MANAGEMENT_PREFIX}` +
        (c.managementToken === null ? '' : ` (requires the ${MANAGEMENT_TOKEN_HEADER} header)`),
    );
  if (c.transparencyLog !== null)
    lines.push(
      `transparency log ${c.transparencyLog} (spec/21)` +
        (c.transparencyLogKey === 'software' ? '' : `, log key ${c.transparencyLogKey}`),
    );
  if (c.strictSerial) lines.push('strict serials: certificates get unique random serial numbers');
  if (c.lockTtlSeconds !== DEFAULTS.lockTtlSeconds) lines.push(`lock TTL ${c.lockTtlSeconds} s`);
  // E2EE-API-828 (MUST, server): every fault switch that is on is announced at start.
  for (const f of c.faults)
    lines.push(`FAULT ${f}: ${FAULTS[f].description} (breaks ${FAULTS[f].breaks})`);
  // E2EE-CONF-451 (MUST, server): the client attacks are announced; none is installed at start.
  if (c.management)
    lines.push(
      `client attacks: ${ATTACK_NAMES.length} known, none installed (${MANAGEMENT_PREFIX}/attacks installs them)`,
    );
  return lines;
}
