/**
 * The log key in SoftHSM2 (spec/21 §1, E2EE-LOG-123): generated in a token of its own, kept
 * across restarts, non-extractable; checkpoints it signs (CKM_EDDSA inside the token) verify with
 * noble and with the OpenSSL CLI, and a changed checkpoint fails both. Skipped where SoftHSM is
 * not installed (slow project: real token, OpenSSL subprocesses).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSoftHsmLibrary, openSoftHsmCa } from '../../src/ca/softhsm.js';
import pkcs11js from 'pkcs11js';
import * as asn1js from 'asn1js';
import {
  CKK_EC_EDWARDS,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  openHsmLogKey,
} from '../../src/log-tree/hsm-key.js';
import { parseConfig } from '../../src/config.js';
import { openConfiguredLogKey, startServer } from '../../src/main.js';
import { usersFile } from '../../../reference/test/client/_serve.js';
import {
  formatCheckpoint,
  openCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../../../reference/src/log/index.js';
import { codeAsync } from '../../../reference/test/_support/codes.js';

const LIBRARY = findSoftHsmLibrary();
const PINS = { userPin: 'log-pin-4711', soPin: 'log-so-pin-0815' };
const ORIGIN = 'sealfold.test/hsm-log';
const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sealfold-hsm-log-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** OpenSSL's verdict on an Ed25519 signature over `message` (pkeyutl -rawin, OpenSSL 3). */
function opensslVerifies(publicKey: Uint8Array, message: string, sig: Uint8Array): boolean {
  const d = freshDir();
  const pem = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  }).export({ type: 'spki', format: 'pem' });
  writeFileSync(join(d, 'pub.pem'), pem);
  writeFileSync(join(d, 'msg'), message);
  writeFileSync(join(d, 'sig'), sig);
  const r = spawnSync(
    'openssl',
    [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      'pub.pem',
      '-rawin',
      '-in',
      'msg',
      '-sigfile',
      'sig',
    ],
    { cwd: d, encoding: 'utf8', timeout: 20_000 },
  );
  return r.status === 0 && /Signature Verified Successfully/.test(r.stdout);
}

describe.skipIf(LIBRARY === undefined)('E2EE-LOG-123 the log key in SoftHSM', () => {
  it('E2EE-LOG-123: checkpoints signed in the token verify with noble and OpenSSL; a changed one fails both', () => {
    expect(execFileSync('openssl', ['version'], { encoding: 'utf8' })).toMatch(/^OpenSSL 3/);
    const key = openHsmLogKey({ origin: ORIGIN, dir: freshDir(), ...PINS });
    try {
      expect(key.created).toBe(true);
      const text = formatCheckpoint({ origin: ORIGIN, size: 7, root: new Uint8Array(32).fill(9) });
      const note = signNote(text, [key]);
      // noble (the reference client's verifier) accepts it under the advertised key …
      expect(openCheckpoint(note, key.verifier, ORIGIN).size).toBe(7);
      // … and so does OpenSSL, over the same bytes.
      const sig = parseNote(note).signatures[0]!.signature;
      expect(sig).toHaveLength(64);
      expect(opensslVerifies(key.verifier.publicKey, text, sig)).toBe(true);
      const changed = text.replace('\n7\n', '\n8\n');
      expect(opensslVerifies(key.verifier.publicKey, changed, sig)).toBe(false);
      expect(key.verifier.verify(changed, sig)).toBe(false);
      // Ed25519 is deterministic: the token signs the same text to the same bytes.
      expect(Buffer.from(key.sign(text)).equals(Buffer.from(sig))).toBe(true);
    } finally {
      key.close();
    }
  });

  it('E2EE-LOG-123: the key is found again after a restart; a wrong PIN is refused', async () => {
    const dir = freshDir();
    const first = openHsmLogKey({ origin: ORIGIN, dir, ...PINS });
    const vkey = first.verifier.publicKey;
    first.close();
    expect(() => first.sign('x\n')).toThrow(/closed/);
    const again = openHsmLogKey({ origin: ORIGIN, dir, ...PINS });
    try {
      expect(again.created).toBe(false);
      expect(Buffer.from(again.verifier.publicKey).equals(Buffer.from(vkey))).toBe(true);
    } finally {
      again.close();
    }
    expect(
      await codeAsync(async () =>
        openHsmLogKey({ origin: ORIGIN, dir, ...PINS, userPin: 'wrong-pin-1' }),
      ),
    ).toBe('AUTH_FAILED');
  });

  it('E2EE-LOG-123: beside a SoftHSM CA in the same process the log key has a token of its own', async () => {
    const dir = freshDir();
    const ca = await openSoftHsmCa({ dir, userPin: '1234', soPin: '12345678' });
    try {
      const key = openHsmLogKey({ origin: ORIGIN, dir: freshDir(), ...PINS });
      try {
        const note = signNote(
          formatCheckpoint({ origin: ORIGIN, size: 1, root: new Uint8Array(32) }),
          [key],
        );
        expect(openCheckpoint(note, key.verifier, ORIGIN).size).toBe(1);
      } finally {
        key.close();
      }
      // The CA still signs after the log key closed (the shared library was not finalised).
      expect((await ca.signSha256Rsa(new Uint8Array([1, 2, 3]))).length).toBe(256);
    } finally {
      await ca.close();
    }
    // Both tokens are in the CA's token directory, under their own labels.
    const listing = spawnSync('softhsm2-util', ['--show-slots'], {
      env: { ...process.env, SOFTHSM2_CONF: join(dir, 'softhsm2.conf') },
      encoding: 'utf8',
      timeout: 20_000,
    }).stdout;
    const labels = [...listing.matchAll(/Label:\s+(\S+)/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['sealfold-ca', 'sealfold-log']));
  });
});

describe.skipIf(LIBRARY === undefined)(
  'E2EE-LOG-123 the mock with --transparency-log-key softhsm',
  () => {
    it('E2EE-LOG-123 E2EE-LOG-001: the advertised key is the token key and signs the served checkpoints; it survives a restart', async () => {
      const dataDir = freshDir();
      const config = parseConfig({
        port: 0,
        dataDir,
        transparencyLog: ORIGIN,
        transparencyLogKey: 'softhsm',
        requestLog: false,
        usersFile: usersFile({ alice: 'alice-pw' }),
      });
      const vkeys: string[] = [];
      for (let run = 0; run < 2; run++) {
        const server = await startServer(config);
        try {
          const auth = {
            Authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}`,
          };
          const caps = (await (
            await fetch(`${server.url}/ocs/v2.php/cloud/capabilities?format=json`, {
              headers: { ...auth, 'OCS-APIRequest': 'true' },
            })
          ).json()) as {
            ocs: { data: { capabilities: Record<string, Record<string, Record<string, string>>> } };
          };
          const vkey =
            caps.ocs.data.capabilities['end-to-end-encryption']!['transparency-log']![
              'verifier-key'
            ]!;
          vkeys.push(vkey);
          const note = await (
            await fetch(`${server.url}/sealfold-log/checkpoint`, { headers: auth })
          ).text();
          const verifier = parseVerifierKey(vkey);
          expect(openCheckpoint(note, verifier, ORIGIN).origin).toBe(ORIGIN);
          const sig = parseNote(note).signatures[0]!.signature;
          expect(opensslVerifies(verifier.publicKey, parseNote(note).text, sig)).toBe(true);
        } finally {
          await server.close();
        }
      }
      expect(vkeys[1]).toBe(vkeys[0]);
      // No software key was written: the key exists only in the token.
      expect(existsSync(join(dataDir, 'tlog', 'log-key'))).toBe(false);
      expect(existsSync(join(dataDir, 'tlog-softhsm', 'tokens'))).toBe(true);
    });
  },
);

describe('E2EE-LOG-123 choosing the log key backend', () => {
  const config = (transparencyLogKey: string) =>
    parseConfig({ transparencyLog: ORIGIN, transparencyLogKey, requestLog: false });
  const lines: string[] = [];
  const log = { write: (e: object) => void lines.push(JSON.stringify(e)) };
  const missing = '/nonexistent/libsofthsm2.so';

  it('software is the default; auto falls back to it without SoftHSM; softhsm refuses to start', async () => {
    expect(parseConfig({}).transparencyLogKey).toBe('software');
    expect(() => parseConfig({ transparencyLogKey: 'pkcs11' })).toThrow(/transparencyLogKey/);
    expect(await openConfiguredLogKey(config('software'), log, missing)).toBeUndefined();
    expect(await openConfiguredLogKey(config('auto'), log, missing)).toBeUndefined();
    expect(lines.at(-1)).toMatch(/"backend":"software"/);
    expect(await codeAsync(() => openConfiguredLogKey(config('softhsm'), log, missing))).toBe(
      'UNSUPPORTED',
    );
  });

  it.skipIf(LIBRARY === undefined)('auto uses the token when SoftHSM offers EdDSA', async () => {
    const key = await openConfiguredLogKey(config('auto'), log);
    try {
      expect(key?.kind).toBe('softhsm');
    } finally {
      key?.close();
    }
  });
});

/**
 * Generates Ed25519 pairs in the `sealfold-log` token of `dir` with raw PKCS#11, each with its
 * own public and private labels and private-key flags (the log key must be closed).
 */
function plantPairs(
  dir: string,
  pairs: { pub: string; priv: string; extractable: boolean }[],
): void {
  const p11 = new pkcs11js.PKCS11();
  p11.load(LIBRARY!);
  const previous = process.env['SOFTHSM2_CONF'];
  process.env['SOFTHSM2_CONF'] = join(dir, 'softhsm2.conf');
  try {
    p11.C_Initialize();
  } finally {
    if (previous === undefined) delete process.env['SOFTHSM2_CONF'];
    else process.env['SOFTHSM2_CONF'] = previous;
  }
  try {
    const slot = p11
      .C_GetSlotList(true)
      .find((sl) => p11.C_GetTokenInfo(sl).label.trim() === 'sealfold-log')!;
    const s = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(s, pkcs11js.CKU_USER, PINS.userPin);
    const params = Buffer.from(new asn1js.ObjectIdentifier({ value: '1.3.101.112' }).toBER());
    const common = [
      { type: pkcs11js.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
      { type: pkcs11js.CKA_TOKEN, value: true },
    ];
    for (const pair of pairs)
      p11.C_GenerateKeyPair(
        s,
        { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
          ...common,
          { type: pkcs11js.CKA_LABEL, value: pair.pub },
          { type: pkcs11js.CKA_EC_PARAMS, value: params },
        ],
        [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          ...common,
          { type: pkcs11js.CKA_LABEL, value: pair.priv },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: !pair.extractable },
          { type: pkcs11js.CKA_EXTRACTABLE, value: pair.extractable },
          { type: pkcs11js.CKA_SIGN, value: true },
        ],
      );
    p11.C_CloseSession(s);
  } finally {
    p11.C_Finalize();
    p11.close();
  }
}

describe.skipIf(LIBRARY === undefined)('E2EE-LOG-123 keys the server must not use', () => {
  it('E2EE-LOG-123: an extractable key, or a private key that is not the public one, is refused', async () => {
    const dir = freshDir();
    openHsmLogKey({ origin: ORIGIN, dir, ...PINS }).close();
    plantPairs(dir, [
      { pub: 'leaky-key', priv: 'leaky-key', extractable: true },
      // Two pairs crossed: the private half of one and the public half of the other.
      { pub: 'a-public', priv: 'mixed-key', extractable: false },
      { pub: 'mixed-key', priv: 'b-private', extractable: false },
    ]);
    const open = (keyLabel: string) =>
      codeAsync(async () => openHsmLogKey({ origin: ORIGIN, dir, ...PINS, keyLabel }));
    expect(await open('leaky-key')).toBe('KEY_UNSUPPORTED');
    // The probe signature does not verify under the public key the server would advertise.
    expect(await open('mixed-key')).toBe('KEY_MISMATCH');
    // The honest key beside them still opens.
    const honest = openHsmLogKey({ origin: ORIGIN, dir, ...PINS });
    expect(honest.created).toBe(false);
    honest.close();
  });
});
