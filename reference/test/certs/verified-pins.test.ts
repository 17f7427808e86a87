/**
 * The verified state of a pin (invariant K3): set only by an explicit comparison of the full key
 * fingerprint, persisted with the pin, enforced like any pin, cleared by a re-pin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256Hex } from '../../src/_internal/bytes.js';
import {
  acceptUserCertificates,
  FilePinStore,
  isPinVerified,
  markPinVerified,
  MemoryPinStore,
  parseCertificate,
  pinCertificate,
  pinIdentity,
  repinCertificate,
  type ParsedCertificate,
} from '../../src/certs/index.js';
import { type UserKeyPair } from '../../src/keys/index.js';
import { codeAsync } from '../_support/codes.js';
import { scratchDir, userKeyPairs } from '../_support/setup.js';
import { issueCertificate } from './_ca.js';

let server: UserKeyPair;
let bobKey: UserKeyPair;
let bobKey2: UserKeyPair;
let carolKey: UserKeyPair;
let bob1: ParsedCertificate;
let bob2: ParsedCertificate;
let carol: ParsedCertificate;
const dir = scratchDir('sealfold-verified-pins-');
const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-02-01T00:00:00.000Z');
const BOB = pinIdentity('user', 'bob');

beforeAll(async () => {
  [server, bobKey, bobKey2, carolKey] = await userKeyPairs(4);
  const issue = async (spki: Uint8Array, cn: string) =>
    parseCertificate(
      await issueCertificate({ caPkcs8: server.pkcs8, subjectSpki: spki, cns: [cn] }),
    );
  bob1 = await issue(bobKey.spki, 'bob');
  bob2 = await issue(bobKey2.spki, 'bob');
  carol = await issue(carolKey.spki, 'carol');
});

describe('verified pins (K3)', () => {
  it('E2EE-CERT-812: E2EE-CERT-813: the full pinned key fingerprint, in any case or with colons, marks the pin verified, persisted in the pin file', async () => {
    const path = join(dir(), 'pins.json');
    const store = new FilePinStore(path);
    await pinCertificate(store, 'bob', bob1, { now: T0 });
    expect(isPinVerified(await store.get(BOB))).toBe(false);
    const fp = sha256Hex(bobKey.spki);
    const colons = fp.toUpperCase().match(/../g)!.join(':');
    const r = await markPinVerified(store, BOB, colons, { now: T1 });
    expect(r).toMatchObject({ spkiSha256: fp, pinnedAt: T0.toISOString() });
    expect(r.verifiedAt).toBe(T1.toISOString());
    // A new store on the same file (a restart) still sees it verified.
    expect(isPinVerified(await new FilePinStore(path).get(BOB))).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8')).entries[BOB].verifiedAt).toBe(T1.toISOString());
  });

  it('E2EE-CERT-814: any other fingerprint is KEY_CHANGED and leaves the pin unverified; nothing pinned is NOT_FOUND; a malformed one is INPUT_MALFORMED', async () => {
    const store = new MemoryPinStore();
    await pinCertificate(store, 'bob', bob1, { now: T0 });
    const before = await store.get(BOB);
    const fp = sha256Hex(bobKey.spki);
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[0-9a-f]{64}$/), async (other) => {
        fc.pre(other !== fp);
        expect(await codeAsync(() => markPinVerified(store, BOB, other))).toBe('KEY_CHANGED');
      }),
      { numRuns: 50 },
    );
    expect(await codeAsync(() => markPinVerified(store, BOB, sha256Hex(bobKey2.spki)))).toBe(
      'KEY_CHANGED',
    );
    expect(await store.get(BOB)).toEqual(before);
    expect(await codeAsync(() => markPinVerified(store, pinIdentity('user', 'nobody'), fp))).toBe(
      'NOT_FOUND',
    );
    for (const bad of [fp.slice(1), `${fp}0`, 'z'.repeat(64), '']) {
      expect(await codeAsync(() => markPinVerified(store, BOB, bad))).toBe('INPUT_MALFORMED');
    }
    expect(await store.get(BOB)).toEqual(before);
  });

  it('E2EE-CERT-038: a verified pin still refuses another key (KEY_CHANGED); a re-pin clears the verified state', async () => {
    const store = new MemoryPinStore();
    await pinCertificate(store, 'bob', bob1, { now: T0 });
    await markPinVerified(store, BOB, sha256Hex(bobKey.spki), { now: T1 });
    expect(await codeAsync(() => pinCertificate(store, 'bob', bob2))).toBe('KEY_CHANGED');
    expect(isPinVerified(await store.get(BOB))).toBe(true);
    await repinCertificate(store, 'bob', bob2, { now: T1 });
    const after = await store.get(BOB);
    expect(after?.spkiSha256).toBe(sha256Hex(bobKey2.spki));
    expect(isPinVerified(after)).toBe(false);
  });

  it('E2EE-CERT-035: E2EE-SEC-804: a list of certificates is accepted as one unit: a KEY_CHANGED anywhere pins none of the others', async () => {
    const store = new MemoryPinStore();
    await pinCertificate(store, 'bob', bob1, { now: T0 });
    const opts = { serverPublicKey: server.spki, pins: store };
    expect(
      await codeAsync(() =>
        acceptUserCertificates(
          [
            { userId: 'carol', certificate: carol },
            { userId: 'bob', certificate: bob2 },
          ],
          opts,
        ),
      ),
    ).toBe('KEY_CHANGED');
    expect(await store.get(pinIdentity('user', 'carol'))).toBeUndefined();
    // The same user twice with two keys is refused too, on an empty store.
    expect(
      await codeAsync(() =>
        acceptUserCertificates(
          [
            { userId: 'bob', certificate: bob1 },
            { userId: 'bob', certificate: bob2 },
          ],
          { serverPublicKey: server.spki, pins: new MemoryPinStore() },
        ),
      ),
    ).toBe('KEY_CHANGED');
    const ok = await acceptUserCertificates(
      [
        { userId: 'carol', certificate: carol },
        { userId: 'bob', certificate: bob1 },
      ],
      opts,
    );
    expect(ok.map((a) => a.pin.status)).toEqual(['pinned', 'match']);
    expect(await store.get(pinIdentity('user', 'carol'))).toBeDefined();
  });
});
