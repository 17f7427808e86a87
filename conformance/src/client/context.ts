/**
 * A fresh {@link ClientCheckContext} per test run: fresh users on the mock (so every test enrols
 * from nothing), fresh driver processes (killed at the end of the test, E2EE-DRV-062), its own
 * work folders, evidence and seed.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createReferenceDriver } from '../../drivers/reference/driver.js';
import { testSeed } from '../runner/context.js';
import type { Redactor } from '../runner/redact.js';
import { driverActor } from './actor.js';
import type {
  Actor,
  ClientActor,
  ClientCheckContext,
  ClientProfile,
  MockServer,
  RoleKind,
} from './check.js';
import { ACTORS, CheckFailure, CheckSkipped, DriverRejected, ReasonUnverified } from './check.js';
import type { DriverConnection } from './driver/connection.js';
import { inProcessDriver } from './driver/connection.js';
import { RPC, type FingerprintResult, type HelloResult } from './protocol.js';
import type { RecordedRunEvidence } from './adversarial/recording.js';
import { enrolSuiteReader, type SuiteReader } from './adversarial/suite-reader.js';
import { suiteInfo } from '../runner/suite-info.js';

/** What every test of a client run shares. */
export interface ClientRunShared {
  server: MockServer;
  hello: HelloResult;
  claims: readonly ClientProfile[];
  /** Starts one vendor driver process with `cwd` as its working folder. */
  spawnVendor(cwd: string): DriverConnection;
  /** The run's scratch folder (one sub-folder per device). */
  scratch: string;
  methodTimeoutMs: number;
  seed: number;
  redactor: Redactor;
}

/** A context plus what the runner does and reads after the test. */
export interface ClientTestContext {
  ctx: ClientCheckContext;
  notes(): string[];
  /** The run the test recorded, if any (E2EE-CONF-542). */
  recordedRun(): RecordedRunEvidence | undefined;
  /** Stops every driver of the test and notes the vendor drivers' stderr. */
  close(): Promise<void>;
}

/** Lines of a vendor driver's stderr kept as evidence per device. */
const STDERR_LINES = 30;

function sameFingerprint(a: FingerprintResult, b: FingerprintResult): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function createClientContext(
  shared: ClientRunShared,
  opts: { testId: string; index: number; vendorRole: Actor; signal: AbortSignal },
): ClientTestContext {
  const notes: string[] = [];
  const note = (line: string) => notes.push(shared.redactor.text(line));
  const roles = Object.fromEntries(
    ACTORS.map((a) => [a, a === opts.vendorRole ? 'vendor' : 'reference']),
  ) as Record<Actor, RoleKind>;
  const users = new Map<Actor, { userId: string; password: string }>();
  const devices: Array<{ label: string; kind: RoleKind; connection: DriverConnection }> = [];
  const first = new Map<Actor, ClientActor>();
  const mnemonics = new Map<Actor, string[]>();
  const enrolledActors = new Map<Actor, ClientActor>();
  let deviceCount = 0;
  let reader: Promise<SuiteReader> | undefined;
  let recorded: RecordedRunEvidence | undefined;

  const account = async (actor: Actor) => {
    let u = users.get(actor);
    if (!u) {
      u = {
        userId: `t${opts.index}-${actor}`,
        // Fresh random passwords: planted secrets of the run's redaction checks.
        password: `sf-${actor}-${randomBytes(12).toString('base64url')}`,
      };
      shared.redactor.add(u.password, `${u.userId} password`);
      await shared.server.manage('POST', '/users', { uid: u.userId, password: u.password });
      users.set(actor, u);
    }
    return u;
  };

  const device = async (actor: Actor, kind: RoleKind): Promise<ClientActor> => {
    const { userId, password } = await account(actor);
    const n = devices.filter((d) => d.label.startsWith(`${actor}#`)).length + 1;
    const label = `${actor}#${n}`;
    const workDir = join(shared.scratch, `t${opts.index}-${actor}-${++deviceCount}`);
    // E2EE-DRV-060 (MUST, suite): one driver process per device of an actor.
    const connection =
      kind === 'vendor' ? shared.spawnVendor(workDir) : inProcessDriver(createReferenceDriver());
    devices.push({ label, kind, connection });
    const a = driverActor({
      actor,
      kind,
      label,
      userId,
      workDir,
      connection,
      errorMap: kind === 'vendor' ? shared.hello.errorMap : undefined,
      methodTimeoutMs: shared.methodTimeoutMs,
      note,
      onMnemonic: (words) => {
        shared.redactor.add(words.join(' '), `${userId} mnemonic`);
        shared.redactor.add(JSON.stringify(words), `${userId} mnemonic`);
        mnemonics.set(actor, words);
      },
    });
    await a.call('driver.hello', { driverApi: '1' });
    await a.call('session.configure', {
      server: { baseUrl: shared.server.baseUrl },
      account: { userId, password },
      workDir,
    });
    return a;
  };

  const ctx: ClientCheckContext = {
    vendorRole: opts.vendorRole,
    roles,
    hello: shared.hello,
    claims: shared.claims,
    server: shared.server,
    async actor(actor) {
      let a = first.get(actor);
      if (!a) {
        a = await device(actor, roles[actor]);
        first.set(actor, a);
      }
      return a;
    },
    newDevice: (actor, kind) => device(actor, kind ?? roles[actor]),
    async enrolled(actor) {
      const known = enrolledActors.get(actor);
      if (known) return known;
      const a = await ctx.actor(actor);
      await a.call('identity.enroll', {});
      enrolledActors.set(actor, a);
      return a;
    },
    mnemonicOf(actor) {
      const words = mnemonics.get(actor);
      if (!words) {
        throw new CheckSkipped(
          `no mnemonic of ${actor}: the enrolling driver does not declare the feature expose-secrets`,
        );
      }
      return words;
    },
    passwordOf(actor) {
      const u = users.get(actor);
      if (!u) throw new Error(`harness bug: ${actor} has no account yet`);
      return u.password;
    },
    folder: (name) => `t${opts.index}-${name}`,
    async expectRejection(call, codes, what) {
      try {
        await call;
      } catch (e) {
        if (!(e instanceof DriverRejected)) throw e;
        if (e.rpcCode === RPC.protocolRejected && e.e2eeCode !== undefined) {
          if (codes.includes(e.e2eeCode)) return;
          throw new CheckFailure(`${what}: refused with ${e.e2eeCode}, not ${codes.join(' or ')}`, {
            expected: { error: codes },
            actual: { error: e.e2eeCode },
          });
        }
        // E2EE-DRV-044 (MUST, suite): a refusal whose reason cannot be verified is WARN, never PASS.
        throw new ReasonUnverified(
          `${what}: refused, but the reason cannot be verified (${e.message})`,
        );
      }
      throw new CheckFailure(`${what}: accepted; expected a refusal with ${codes.join(' or ')}`, {
        expected: { error: codes },
        actual: 'accepted',
      });
    },
    expectUnchanged(before, after, what) {
      if (!sameFingerprint(before, after)) {
        throw new CheckFailure(`${what}: the client's state changed`, {
          expected: before,
          actual: after,
        });
      }
    },
    expectNoPlaintext(bytes, plaintexts, what) {
      const hay = Buffer.from(bytes);
      for (const p of plaintexts) {
        if (p.length > 0 && hay.includes(Buffer.from(p))) {
          throw new CheckFailure(`${what}: plaintext released`);
        }
      }
    },
    plantSecret: (s) => shared.redactor.add(s, 'planted'),
    seed: testSeed(shared.seed, opts.testId),
    signal: opts.signal,
    note,
    suiteReader() {
      reader ??= (async () => {
        const password = `sf-reader-${randomBytes(12).toString('base64url')}`;
        shared.redactor.add(password, `t${opts.index}-reader password`);
        return enrolSuiteReader(shared.server, `t${opts.index}-reader`, password);
      })();
      return reader;
    },
    recordRun(run) {
      recorded = {
        ...run,
        // The test id without its group: a slug that names the frozen vector.
        name: opts.testId.slice(opts.testId.indexOf('/') + 1),
        producer: { name: 'sealfold-certify-client', version: suiteInfo().suite.version },
      };
    },
  };

  return {
    ctx,
    notes: () => notes,
    recordedRun: () => recorded,
    async close() {
      // E2EE-DRV-062 (MUST, suite): every driver of a test is stopped when the test ends.
      await Promise.all(devices.map((d) => d.connection.close()));
      for (const d of devices) {
        if (d.kind !== 'vendor') continue;
        const lines = d.connection
          .stderr()
          .split('\n')
          .filter((l) => l.trim() !== '');
        for (const l of lines.slice(-STDERR_LINES)) note(`stderr ${d.label}: ${l}`);
      }
    },
  };
}
