/**
 * The transparency log pinned at enrolment (spec/21 §1, E2EE-LOG-002, E2EE-LOG-122): the
 * reference client enrols against the mock with the log on and keeps the log key and the first
 * verified checkpoint in its state store; a later start against the same server URL that
 * advertises another log key, or no log, is refused before a CSR is sent or a private key
 * fetched, and leaves every pin and the log state as it was. The servers answer in-process
 * behind one base URL, so "the same server" can change its key between two starts.
 */
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { CREDS, testServer } from '../_support/server.js';
import { appTransport, checkpointOf, logServer } from './_support.js';
import { nextTestKeyPair } from '../../../reference/test/_support/test-keys.js';
import { codeAsync } from '../../../reference/test/_support/codes.js';
import {
  createTopFolder,
  enrol,
  logPinKey,
  logTrustKey,
  pinnedLogWitness,
  recover,
} from '../../../reference/src/client/index.js';
import type { PinRecord, PinStore } from '../../../reference/src/certs/index.js';
import type { HttpTransport } from '../../../reference/src/http/index.js';
import type { LogTrust, PinnedLog } from '../../../reference/src/log/index.js';
import { MemoryStateStore } from '../../../reference/src/state/index.js';

const BASE = 'http://mock.invalid';
const fastRetry = { attempts: 2, delayMs: 1, sleep: async () => undefined };

/** A pin store whose whole content a test can compare before and after. */
function mapPinStore(): PinStore & { dump(): string } {
  const m = new Map<string, PinRecord>();
  return {
    get: async (id) => m.get(id),
    set: async (id, r) => void m.set(id, r),
    dump: () => JSON.stringify([...m.entries()].sort()),
  };
}

async function dumpState(s: MemoryStateStore): Promise<string> {
  const out: [string, unknown][] = [];
  for (const k of await s.keys()) out.push([k, await s.get(k)]);
  return JSON.stringify(out);
}

/** A transport to whichever app `current()` names, recording the requests. */
function switchable(current: () => Express, seen: string[]): HttpTransport {
  return (req) => appTransport(current(), seen)(req);
}

describe('E2EE-LOG-122 the log is pinned at enrolment', () => {
  it('E2EE-LOG-122 E2EE-LOG-002: enrolment pins the log key and the first verified checkpoint; a later other key is refused with LOG_SIGNATURE_INVALID and nothing changes', async () => {
    const ca = nextTestKeyPair().pkcs8;
    const first = await logServer({}, ca);
    let app = first.app;
    const seen: string[] = [];
    const transport = switchable(() => app, seen);
    const state = new MemoryStateStore();
    const pins = mapPinStore();
    const account = { baseUrl: BASE, userId: 'alice', password: CREDS.alice.app };
    const { device, mnemonic } = await enrol({
      account,
      transport,
      state,
      pins,
      retry: fastRetry,
    });

    // The pin and the verified checkpoint are in the state store, the device verifies with them.
    const pin = await state.get<PinnedLog>(logPinKey(BASE));
    const cp = await checkpointOf(first.app);
    expect(pin).toEqual({
      origin: cp.key.name,
      verifierKey: expect.any(String),
      path: '/sealfold-log',
    });
    expect(device.log).toEqual(pin);
    const trust = await state.get<LogTrust>(logTrustKey(BASE));
    expect(trust?.origin).toBe(cp.key.name);
    expect(trust?.note).toMatch(/^sealfold\.test\/log\n\d+\n/);
    // Later verification starts from the pin alone: the device's own write is checked in the log.
    const verifying = { ...device, witness: pinnedLogWitness(device.ctx, device.state, pin!) };
    await createTopFolder(verifying, 'pinned');
    const later = await state.get<LogTrust>(logTrustKey(BASE));
    expect(later!.size).toBeGreaterThan(trust!.size);
    expect(Object.keys(later!.folders)).toHaveLength(1);
    // The checkpoint was read before the CSR went out.
    const firstCheckpoint = seen.indexOf('GET /sealfold-log/checkpoint');
    const csr = seen.findIndex((r) => r.startsWith('POST') && r.endsWith('/public-key'));
    expect(firstCheckpoint).toBeGreaterThanOrEqual(0);
    expect(firstCheckpoint).toBeLessThan(csr);

    // The same server URL now advertises another log key (same origin, same CA, same users);
    // the refusal comes before any key is fetched, so this server needs none of alice's data.
    const other = await logServer({}, ca);
    app = other.app;
    const before = { state: await dumpState(state), pins: pins.dump() };
    seen.length = 0;
    const refused = await codeAsync(() =>
      recover({ account, transport, state, pins, retry: fastRetry, mnemonic }),
    );
    expect(refused).toBe('LOG_SIGNATURE_INVALID');
    expect({ state: await dumpState(state), pins: pins.dump() }).toEqual(before);
    expect(seen.filter((r) => r.includes('private-key') || r.includes('public-key'))).toEqual([]);

    // Back on the first server the pin holds: recovery works with the same state.
    app = first.app;
    const again = await recover({ account, transport, state, pins, retry: fastRetry, mnemonic });
    expect(again.log).toEqual(pin);
  });

  it('E2EE-LOG-002 E2EE-LOG-122: a pinned log that is no longer advertised is a DOWNGRADE, and nothing changes', async () => {
    const ca = nextTestKeyPair().pkcs8;
    const withLog = await logServer({}, ca);
    const withoutLog = await testServer({ requestLog: false }, ca);
    let app = withLog.app;
    const transport = switchable(() => app, []);
    const state = new MemoryStateStore();
    const pins = mapPinStore();
    await enrol({
      account: { baseUrl: BASE, userId: 'alice', password: CREDS.alice.app },
      transport,
      state,
      pins,
      retry: fastRetry,
    });
    app = withoutLog.app;
    const before = { state: await dumpState(state), pins: pins.dump() };
    const refused = await codeAsync(() =>
      enrol({
        account: { baseUrl: BASE, userId: 'bob', password: CREDS.bob.app },
        transport,
        state,
        pins,
        retry: fastRetry,
      }),
    );
    expect(refused).toBe('DOWNGRADE');
    expect({ state: await dumpState(state), pins: pins.dump() }).toEqual(before);
  });

  it('E2EE-LOG-122: a checkpoint not signed by the advertised key stops the enrolment and stores nothing', async () => {
    const ca = nextTestKeyPair().pkcs8;
    const honest = await logServer({}, ca);
    const liar = await logServer({}, ca);
    const seen: string[] = [];
    // Capabilities from one log, checkpoints from another: the checkpoint fails the key.
    const transport: HttpTransport = (req) =>
      appTransport(
        new URL(req.url).pathname.startsWith('/sealfold-log') ? liar.app : honest.app,
        seen,
      )(req);
    const state = new MemoryStateStore();
    const pins = mapPinStore();
    const refused = await codeAsync(() =>
      enrol({
        account: { baseUrl: BASE, userId: 'alice', password: CREDS.alice.app },
        transport,
        state,
        pins,
        retry: fastRetry,
      }),
    );
    expect(refused).toBe('LOG_SIGNATURE_INVALID');
    expect(await state.keys()).toEqual([]);
    expect(seen.filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  it('a server without the log: no pin, no log witness, enrolment as before', async () => {
    const s = await testServer({ requestLog: false });
    const state = new MemoryStateStore();
    const { device } = await enrol({
      account: { baseUrl: BASE, userId: 'alice', password: CREDS.alice.app },
      transport: appTransport(s.app),
      state,
      retry: fastRetry,
    });
    expect(device.log).toBeUndefined();
    expect(device.witness).toBeUndefined();
    expect(await state.keys()).toEqual([]);
  });
});
