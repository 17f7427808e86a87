/**
 * The canonical conformance report (`report.json`): one per run, published with a JSON Schema
 * (`spec/schemas/conformance-report.schema.json`, spec chapter 17 "Reports"). JUnit, HTML and
 * `sealfold certify compare` are all derived from this one object, so it is the contract
 * between the runner (producer) and every report writer (consumers).
 *
 * NOTE TO THE RUNNER (helper A): this file is stable. Changes are additive only and are listed
 * here, newest first.
 * - v1, additive (recorded runs): `evidence.recordedRun` of a failing adversarial client check.
 * - v1, additive (client certification): `subjects.client` (the driver and its hello),
 *   `claims.client`, verdicts with `subject: 'client'` (spec/18-driver-protocol.md). A client run
 *   keeps `subjects.server` (the embedded mock it ran against) and claims no server profile.
 * - v1, additive (helper A): `ServerSubject.faults`, the mock's fault switches that were on, so
 *   that `certify replay` restarts the same server.
 * - Writers: `writeReports(report, {json, junit, html}, plantedSecrets)` (./write.ts) renders,
 *   schema-validates and secret-checks all requested artefacts before writing any; it throws a
 *   plain Error (harness bug) when the report is invalid or a planted secret survived redaction.
 *   Test ids must match `<group>/<slug>` (lower case, digits, `-`, `.`, `_`), `group` must be the
 *   part before the slash, requirement ids `E2EE-AREA-NNN`, SKIP needs a `reason`, `run.id`
 *   `[A-Za-z0-9._-]{1,128}`, timestamps ISO 8601 (see spec/schemas/conformance-report.schema.json).
 * - v1 (initial): as below. `buildReport` (./build.ts) fills `summary`, `verdicts` and
 *   `exitCode` from `results`, `claims` and `deviations`; the runner supplies everything else.
 *
 * @module
 */
import type {
  HttpExchange,
  Importance,
  Level,
  Replay,
  ResultStatus,
  Verdict,
} from '../core/results.js';
import type { RecordedRunEvidence } from '../client/adversarial/recording.js';

/** `reportFormat` of every Sealfold conformance report. */
export const REPORT_FORMAT = 'sealfold-conformance-report';
/** `reportVersion` of this layout. A reader refuses any other version. */
export const REPORT_VERSION = 1;

/**
 * `certification`: claims and `--strict` frozen, deviation files ignored.
 * `development`: a deviation file may be applied (its stale entries fail the run).
 */
export type RunMode = 'certification' | 'development';

/** Which suite produced the report, pinned by hashes so that two reports are comparable. */
export interface ReportSuite {
  /** The Sealfold package version. */
  version: string;
  /** The git commit of the suite, when known. */
  commit?: string;
  /** sha256 (hex) of `spec/requirements.json` as the suite saw it. */
  requirementsSha256: string;
  /** sha256 (hex) of the vector set, when vectors took part. */
  vectorsSha256?: string;
}

export interface ReportRun {
  /** Unique per run; also names the live run folder (`/sealfold-conformance/<id>`). */
  id: string;
  mode: RunMode;
  /** ISO 8601 UTC timestamps. */
  startedAt: string;
  finishedAt: string;
  suite: ReportSuite;
  /** The run seed; each test's seed derives from it and the test id. */
  seed: number;
  /** `--strict`: SHOULD failures counted as FAIL. */
  strict: boolean;
  /** The command line with every secret-bearing value replaced by `«redacted»`. */
  argv: string[];
}

/** The server under test, as far as it told us. */
export interface ServerSubject {
  /** `mock`: the embedded mock server; `live`: a server reached by URL. */
  kind: 'mock' | 'live';
  /** The base URL; the host may be replaced by `«host»` when the target asks for it. */
  baseUrl: string;
  /** The status-code profile claimed (e.g. `nc30`, `nc32`). */
  statusProfile: string;
  /** The version the server advertises (OCS capabilities / status.php), or null when none. */
  reportedVersion: string | null;
  /** The server's advertised E2EE capabilities (JSON as returned), or null when none. */
  capabilities: Record<string, unknown> | null;
  /** Features the target declares (e.g. `management`, `short-lock-ttl`). */
  features: string[];
  /** Embedded mock only: the fault switches that were on (absent: none). */
  faults?: string[];
}

/** The client under test (client certification): its driver as `driver.hello` described it. */
export interface ClientSubject {
  /** The driver command line as given (it holds no secret). */
  driver: string;
  hello: {
    name: string;
    vendor?: string;
    version: string;
    driverApi: string;
    profiles: string[];
    features: string[];
  };
}

export interface ReportSubjects {
  server: ServerSubject;
  client?: ClientSubject;
}

/** The profiles each subject claims. */
export interface ReportClaims {
  server: string[];
  /** Client certification: the client profiles claimed. */
  client?: string[];
}

/** Counts of results per status. `total` is the number of results. */
export interface ReportSummary {
  total: number;
  pass: number;
  fail: number;
  warn: number;
  skip: number;
  unsupported: number;
  timeout: number;
  error: number;
}

/** The verdict for one claimed profile. */
export interface ProfileVerdict {
  subject: 'server' | 'client';
  profile: string;
  status: Verdict;
  /** Test ids that block certification of this profile (empty when CERTIFIABLE). */
  blocking: string[];
}

/** What one test left behind for a reader. All strings are redacted at record time. */
export interface ResultEvidence {
  /** Free-text lines the check noted (never a secret). */
  notes: string[];
  /** The HTTP exchanges of the test, in order. */
  http: HttpExchange[];
  /**
   * Client certification: the run a failing adversarial check recorded, read by the suite reader
   * (spec/17, "Recorded runs of failing attacks"); `sealfold vectors freeze --report` takes it.
   */
  recordedRun?: RecordedRunEvidence;
}

/** A deviation entry that matched this result (development mode only). */
export interface ResultDeviation {
  expected: ResultStatus;
  reason: string;
}

/** One test's outcome. */
export interface TestResult {
  /** Stable test id, `<group>/<slug>`. */
  testId: string;
  title: string;
  /** The test's group (the part of `testId` before the slash, e.g. `keys`). */
  group: string;
  /** The profiles that put this test in scope. */
  profiles: string[];
  /** Requirement IDs evidenced (spec registry IDs). */
  requirements: string[];
  level: Level;
  importance: Importance;
  status: ResultStatus;
  /** Why it was SKIP/UNSUPPORTED/ERROR/TIMEOUT (required for SKIP). */
  reason?: string;
  durationMs: number;
  /** What went wrong, in one line (FAIL/WARN/ERROR/TIMEOUT). */
  message?: string;
  /** What the requirement expected and what the subject did (any JSON). */
  expected?: unknown;
  actual?: unknown;
  evidence: ResultEvidence;
  /** Set for property-based results: enough to re-run exactly this case. */
  replay?: Replay;
  /** Set when a deviation-file entry matched this result. */
  deviation?: ResultDeviation;
}

/** A deviation-file entry as the report records it. */
export interface DeviationRecord {
  testId: string;
  expected: ResultStatus;
  reason: string;
  /** The status the test actually came to. */
  actual: ResultStatus;
}

/**
 * What happened to the deviation file.
 * - `none`: no file given.
 * - `applied`: development mode, entries applied.
 * - `ignored`: certification mode, the file was ignored.
 * `applied` lists entries that matched; `stale` lists entries whose expected status did not
 * happen (a stale entry fails the run).
 */
export interface ReportDeviations {
  mode: 'none' | 'applied' | 'ignored';
  applied: DeviationRecord[];
  stale: DeviationRecord[];
}

/** The whole report. */
export interface Report {
  reportFormat: typeof REPORT_FORMAT;
  reportVersion: typeof REPORT_VERSION;
  run: ReportRun;
  subjects: ReportSubjects;
  claims: ReportClaims;
  summary: ReportSummary;
  verdicts: ProfileVerdict[];
  results: TestResult[];
  deviations: ReportDeviations;
  /** The process exit code this run ends with (0, 1 or 2; 3 never produces a report). */
  exitCode: 0 | 1 | 2;
}
