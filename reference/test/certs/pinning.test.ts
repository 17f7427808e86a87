import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/_internal/bytes.js';
import {
  acceptUserCertificate,
  FilePinStore,
  MemoryPinStore,
  parseCertificate,
  pinCertificate,
  pinServerKey,
  repinCertificate,
  repinServerKey,
  verifyUserCertificate,
  type ParsedCertificate,
  type PinStore,
} from '../../src/certs/index.js';
import { publicKeyToPem, type UserKeyPair } from '../../src/keys/index.js';
import { codeAsync } from '../_support/codes.js';
import { scratchDir, userKeyPairs } from '../_support/setup.js';
import { issueCertificate } from './_ca.js';

const addFormats = addFormatsNs.default;

let server: UserKeyPair;
let server2: UserKeyPair;
let bobKey: UserKeyPair;
let bobKey2: UserKeyPair;
let bob1: ParsedCertificate;
let bob1Reissued: ParsedCertificate;
let bob2: ParsedCertificate;
let bob2Der: Uint8Array;
const dir = scratchDir('sealfold-pins-');
let n = 0;
const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-02-01T00:00:00.000Z');

beforeAll(async () => {
  [server, server2, bobKey, bobKey2] = await userKeyPairs(4);
  const issue = (spki: Uint8Array, hash: 'SHA-1' | 'SHA-256' = 'SHA-256') =>
    issueCertificate({ caPkcs8: server.pkcs8, subjectSpki: spki, cns: ['bob'], hash });
  bob1 = parseCertificate(await issue(bobKey.spki));
  bob1Reissued = parseCertificate(await issue(bobKey.spki, 'SHA-1'));
  bob2Der = await issue(bobKey2.spki);
  bob2 = parseCertificate(bob2Der);
});

const freshPath = () => join(dir(), `pins-${n++}.json`);
const stores: [string, () => PinStore][] = [
  ['MemoryPinStore', () => new MemoryPinStore()],
  ['FilePinStore', () => new FilePinStore(freshPath())],
];

for (const [name, make] of stores) {
  describe(`pinning with ${name}`, () => {
    it('E2EE-CERT-031: the first certificate seen for a user is pinned (TOFU) by its key', async () => {
      const store = make();
      const r = await pinCertificate(store, 'bob', bob1, { now: T0 });
      expect(r.status).toBe('pinned');
      expect(await store.get('user:bob')).toEqual({
        kind: 'user-certificate',
        spkiSha256: sha256Hex(bobKey.spki),
        certificateSha256: bob1.fingerprint,
        pinnedAt: T0.toISOString(),
      });
      expect((await pinCertificate(store, 'bob', bob1, { now: T1 })).status).toBe('match');
    });

    it('E2EE-CERT-031: a re-issued certificate for the same key matches the pin', async () => {
      const store = make();
      await pinCertificate(store, 'bob', bob1, { now: T0 });
      expect(bob1Reissued.fingerprint).not.toBe(bob1.fingerprint);
      const r = await pinCertificate(store, 'bob', bob1Reissued, { now: T1 });
      expect(r.status).toBe('match');
      expect(r.record.certificateSha256).toBe(bob1.fingerprint);
    });

    it('E2EE-CERT-803: E2EE-CERT-804: a different key for a pinned user is KEY_CHANGED and the pin is not replaced', async () => {
      const store = make();
      await pinCertificate(store, 'bob', bob1, { now: T0 });
      const before = await store.get('user:bob');
      expect(await codeAsync(() => pinCertificate(store, 'bob', bob2, { now: T1 }))).toBe(
        'KEY_CHANGED',
      );
      expect(await store.get('user:bob')).toEqual(before);
      // Still KEY_CHANGED on every later attempt: nothing was silently accepted.
      expect(await codeAsync(() => pinCertificate(store, 'bob', bob2))).toBe('KEY_CHANGED');
    });

    it('E2EE-CERT-033: only an explicit re-pin replaces a pin; afterwards the old key is KEY_CHANGED', async () => {
      const store = make();
      const first = await pinCertificate(store, 'bob', bob1, { now: T0 });
      const r = await repinCertificate(store, 'bob', bob2, { now: T1 });
      expect(r.status).toBe('repinned');
      expect(r.previous).toEqual(first.record);
      expect((await pinCertificate(store, 'bob', bob2)).status).toBe('match');
      expect(await codeAsync(() => pinCertificate(store, 'bob', bob1))).toBe('KEY_CHANGED');
      expect((await repinCertificate(store, 'carol', bob1)).previous).toBeUndefined();
    });

    it('E2EE-CERT-034: the server key is pinned per server id; a different key is KEY_CHANGED', async () => {
      const store = make();
      expect((await pinServerKey(store, 'cloud.example', server.spki, { now: T0 })).status).toBe(
        'pinned',
      );
      expect((await pinServerKey(store, 'cloud.example', server.spki)).status).toBe('match');
      expect(await codeAsync(() => pinServerKey(store, 'cloud.example', server2.spki))).toBe(
        'KEY_CHANGED',
      );
      expect((await pinServerKey(store, 'other.example', server2.spki)).status).toBe('pinned');
      expect((await repinServerKey(store, 'cloud.example', server2.spki)).status).toBe('repinned');
      expect((await pinServerKey(store, 'cloud.example', server2.spki)).status).toBe('match');
      expect(await codeAsync(() => pinServerKey(store, 'cloud.example', new Uint8Array([1])))).toBe(
        'KEY_MALFORMED',
      );
    });

    it('E2EE-CERT-803: user and server identities are separate name spaces', async () => {
      const store = make();
      await pinServerKey(store, 'bob', server.spki);
      expect((await pinCertificate(store, 'bob', bob1)).status).toBe('pinned');
    });

    it('rejects bad arguments with TypeError / RangeError', async () => {
      const store = make();
      await expect(pinCertificate(store, '', bob1)).rejects.toThrow(RangeError);
      await expect(pinCertificate(store, 'bob', {} as any)).rejects.toThrow(TypeError);
      await expect(pinCertificate({} as any, 'bob', bob1)).rejects.toThrow(TypeError);
      await expect(store.set('user:x', { kind: 'nope' } as any)).rejects.toThrow(TypeError);
    });
  });
}

describe('FilePinStore on disk', () => {
  it('E2EE-SEC-012: pins are persisted before pinCertificate returns and survive reopening', async () => {
    const path = freshPath();
    await pinCertificate(new FilePinStore(path), 'bob', bob1, { now: T0 });
    await pinServerKey(new FilePinStore(path), 'cloud.example', server.spki, { now: T0 });
    const reopened = new FilePinStore(path);
    expect((await pinCertificate(reopened, 'bob', bob1)).status).toBe('match');
    expect(await codeAsync(() => pinCertificate(reopened, 'bob', bob2))).toBe('KEY_CHANGED');
    expect(await codeAsync(() => pinServerKey(reopened, 'cloud.example', server2.spki))).toBe(
      'KEY_CHANGED',
    );
  });

  it('E2EE-SEC-010: the pin file validates against pin-store.schema.json', async () => {
    const path = freshPath();
    await pinCertificate(new FilePinStore(path), 'bob', bob1, { now: T0 });
    await pinServerKey(new FilePinStore(path), 'default', server.spki, { now: T0 });
    const ajv = new Ajv2020({ strict: true });
    addFormats(ajv);
    const schema = JSON.parse(
      readFileSync(new URL('../../../spec/schemas/pin-store.schema.json', import.meta.url), 'utf8'),
    );
    const validate = ajv.compile(schema);
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(validate(doc)).toBe(true);
    expect(Object.keys(doc.entries)).toEqual(['server:default', 'user:bob']);
    doc.entries['user:bob'].spkiSha256 = 'XYZ';
    expect(validate(doc)).toBe(false);
  });

  it('E2EE-SEC-011: a damaged pin record fails closed (INPUT_MALFORMED), the file is kept, and only an explicit re-pin replaces it', async () => {
    const path = freshPath();
    await pinCertificate(new FilePinStore(path), 'bob', bob1, { now: T0 });
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.entries['user:bob'].spkiSha256 = '00';
    const text = JSON.stringify(doc);
    writeFileSync(path, text);
    const store = new FilePinStore(path);
    expect(await codeAsync(() => pinCertificate(store, 'bob', bob1))).toBe('INPUT_MALFORMED');
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect((await repinCertificate(store, 'bob', bob1)).status).toBe('repinned');
    expect((await pinCertificate(store, 'bob', bob1)).status).toBe('match');
  });
});

describe('acceptUserCertificate', () => {
  it('E2EE-CERT-035: validates, then pins the certificate key and the server key', async () => {
    const pins = new MemoryPinStore();
    const r = await acceptUserCertificate({
      certificate: bob1.der,
      serverPublicKey: publicKeyToPem(server.spki),
      userId: 'bob',
      pins,
      serverId: 'cloud',
      now: T0,
    });
    expect(r.pin.status).toBe('pinned');
    expect(r.serverPin?.status).toBe('pinned');
    expect(r.certificate.fingerprint).toBe(bob1.fingerprint);
    const again = await acceptUserCertificate({
      certificate: bob1.der,
      serverPublicKey: server.spki,
      userId: 'bob',
      pins,
      serverId: 'cloud',
    });
    expect([again.pin.status, again.serverPin?.status]).toEqual(['match', 'match']);
    const noServer = await acceptUserCertificate({
      certificate: bob1.der,
      serverPublicKey: server.spki,
      userId: 'bob',
      pins,
    });
    expect(noServer.serverPin).toBeUndefined();
  });

  it('E2EE-CERT-035: a certificate that fails validation never reaches the pin store (E2EE-SEC-804)', async () => {
    const pins = new MemoryPinStore();
    const forged = await issueCertificate({
      caPkcs8: server2.pkcs8,
      subjectSpki: bobKey2.spki,
      cns: ['bob'],
    });
    expect(
      await codeAsync(() =>
        acceptUserCertificate({
          certificate: forged,
          serverPublicKey: server.spki,
          userId: 'bob',
          pins,
          serverId: 'cloud',
        }),
      ),
    ).toBe('CERT_UNTRUSTED');
    expect(
      await codeAsync(() =>
        acceptUserCertificate({
          certificate: bob1.der,
          serverPublicKey: server.spki,
          userId: 'alice',
          pins,
          serverId: 'cloud',
        }),
      ),
    ).toBe('CERT_USER_MISMATCH');
    expect(await pins.get('user:bob')).toBeUndefined();
    expect(await pins.get('user:alice')).toBeUndefined();
    expect(await pins.get('server:cloud')).toBeUndefined();
  });

  it('E2EE-CERT-803: a server that mints a valid certificate for a new key after first sight is caught (K2)', async () => {
    const pins = new MemoryPinStore();
    await acceptUserCertificate({
      certificate: bob1.der,
      serverPublicKey: server.spki,
      userId: 'bob',
      pins,
      serverId: 'cloud',
    });
    // The server signs a certificate for a key it controls: valid under the server key …
    expect(
      verifyUserCertificate({ certificate: bob2Der, serverPublicKey: server.spki, userId: 'bob' })
        .subjectCn,
    ).toBe('bob');
    // … but the pin blocks it.
    expect(
      await codeAsync(() =>
        acceptUserCertificate({
          certificate: bob2Der,
          serverPublicKey: server.spki,
          userId: 'bob',
          pins,
          serverId: 'cloud',
        }),
      ),
    ).toBe('KEY_CHANGED');
  });

  it('E2EE-SEC-804: E2EE-CERT-804: a KEY_CHANGED on either pin leaves every pin as it was', async () => {
    const path = freshPath();
    const pins = new FilePinStore(path);
    await pinServerKey(pins, 'cloud', server2.spki, { now: T0 });
    const before = readFileSync(path, 'utf8');
    // Valid certificate, unpinned user, but the server key differs from the pinned one.
    expect(
      await codeAsync(() =>
        acceptUserCertificate({
          certificate: bob1.der,
          serverPublicKey: server.spki,
          userId: 'bob',
          pins,
          serverId: 'cloud',
        }),
      ),
    ).toBe('KEY_CHANGED');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(await pins.get('user:bob')).toBeUndefined();
    // And a user KEY_CHANGED does not pin a new server.
    await pinCertificate(pins, 'bob', bob2);
    expect(
      await codeAsync(() =>
        acceptUserCertificate({
          certificate: bob1.der,
          serverPublicKey: server.spki,
          userId: 'bob',
          pins,
          serverId: 'fresh',
        }),
      ),
    ).toBe('KEY_CHANGED');
    expect(await pins.get('server:fresh')).toBeUndefined();
    expect(existsSync(path)).toBe(true);
  });
});
