/**
 * Test support for the mock server: one CA key and a few user key pairs per test file (from the
 * pre-generated test-key pool), an app factory with users alice and bob, and request helpers that send
 * the headers a real E2EE client sends.
 */
import { nextTestKeyPair } from '../../../reference/test/_support/test-keys.js';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { parseConfig, type ServerConfig } from '../../src/config.js';
import { openStore, users, type Store } from '../../src/store/index.js';
import { openSoftwareCa } from '../../src/ca/software.js';
import type { CaSigner } from '../../src/ca/signer.js';
import { memoryLogger } from '../../src/log.js';
import { createCsr, csrToPem } from '../../../reference/src/certs/index.js';
import { toBase64 } from '../../../reference/src/bytes/index.js';
import { seededRng } from '../../../reference/test/_support/seeded-rng.js';

export const E2EE_V1 = '/ocs/v2.php/apps/end_to_end_encryption/api/v1';

/** A desktop client user agent that passes the E2EE gate in every profile. */
export const DESKTOP_UA = 'Mozilla/5.0 (Linux) mirall/3.14.2 (Nextcloud, ubuntu)';

/** Credentials of the fixture users. */
export const CREDS = {
  alice: { login: 'alice-login-pw', app: 'alice-app-pw' },
  bob: { login: 'bob-login-pw', app: 'bob-app-pw' },
} as const;

/** An RSA-2048 key pair as PKCS#8 / SPKI DER: the test-key pool's next (distinct in a file). */
export function rsaKeyPair(): { pkcs8: Uint8Array; spki: Uint8Array } {
  return nextTestKeyPair();
}

/** A CSR PEM for `cn` made with `pkcs8` (reference client). */
export async function csrFor(pkcs8: Uint8Array, cn: string): Promise<string> {
  return csrToPem(await createCsr(pkcs8, cn));
}

/** Key pairs for alice, bob and the CA, and CSRs of alice and bob with their own keys. */
export interface KeySeeds {
  alice: ReturnType<typeof rsaKeyPair>;
  bob: ReturnType<typeof rsaKeyPair>;
  ca: ReturnType<typeof rsaKeyPair>;
  aliceCsr: string;
  bobCsr: string;
}

/** Generates {@link KeySeeds} (call once per file, in `beforeAll`: RSA generation is slow). */
export async function keySeeds(): Promise<KeySeeds> {
  const [alice, bob, ca] = [rsaKeyPair(), rsaKeyPair(), rsaKeyPair()];
  return {
    alice,
    bob,
    ca,
    aliceCsr: await csrFor(alice.pkcs8, 'alice'),
    bobCsr: await csrFor(bob.pkcs8, 'bob'),
  };
}

export interface TestServer {
  app: Express;
  store: Store;
  ca: CaSigner;
  config: ServerConfig;
  log: ReturnType<typeof memoryLogger>;
  clock: { now(): number; t: number };
}

/** Builds an app with alice and bob (login + one app password each). */
export async function testServer(
  overrides: Partial<Record<keyof ServerConfig, unknown>> = {},
  caPkcs8?: Uint8Array,
): Promise<TestServer> {
  const config = parseConfig(overrides);
  const store = openStore(config.dataDir);
  const clock = {
    t: Date.UTC(2026, 0, 2, 3, 4, 5),
    now() {
      return this.t;
    },
  };
  store.transact((tx) => {
    for (const uid of ['alice', 'bob'] as const) {
      users.createUser(tx, clock.t, { uid, password: CREDS[uid].login });
      users.addAppPassword(tx, clock.t, uid, 'test', CREDS[uid].app);
    }
  });
  const ca = await openSoftwareCa({ dataDir: config.dataDir, pkcs8: caPkcs8 });
  const log = memoryLogger();
  const app = createApp({ config, store, ca, clock, log });
  return { app, store, ca, config, log, clock };
}

type Method = 'get' | 'post' | 'put' | 'delete';

/**
 * An E2EE API request as a client sends it: OCS header, JSON format, X-E2EE-Supported, a desktop
 * user agent, Basic auth
 * (`as`: [uid, password] or null for anonymous).
 */
export function ocs(
  app: Express,
  method: Method,
  path: string,
  as: readonly [string, string] | null = ['alice', CREDS.alice.app],
) {
  const sep = path.includes('?') ? '&' : '?';
  const agent = request(app);
  let r = agent[method](path + sep + 'format=json')
    .set('OCS-APIRequest', 'true')
    .set('X-E2EE-Supported', 'true')
    .set('User-Agent', DESKTOP_UA);
  if (as) r = r.auth(as[0], as[1]);
  return r;
}

const blobParts = seededRng('validBlob parts');

/** A well-formed encrypted private-key blob (seeded random parts of the right lengths). */
export function validBlob(ctLen = 1700): string {
  const b = (n: number) => toBase64(blobParts(n));
  return `${b(ctLen)}|${b(12)}|${b(40)}`;
}
