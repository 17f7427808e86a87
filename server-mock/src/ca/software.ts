/**
 * The software CA backend: an RSA-2048 key (e = 65537, like Nextcloud's server identity key)
 * created on first start. With a data directory it is kept in `<dataDir>/ca/ca-key.pem` (PKCS#8,
 * mode 0600, written atomically) and reused on every later start, so certificates issued before a
 * restart still verify against `/server-key` (E2EE-CERT-801). Without one it lives in memory.
 *
 * The key never leaves this module: callers get the SPKI and signatures (the {@link CaSigner}
 * port), and nothing logs it (E2EE-CERT-062).
 *
 * @module
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import { abytes } from '../../../reference/src/bytes/index.js';
import { writeFileAtomic } from '../store/index.js';
import type { CaSigner } from './signer.js';

/** File name of the CA key inside `<dataDir>/ca/`. */
export const SOFTWARE_KEY_FILE = 'ca-key.pem';

/** Options of {@link openSoftwareCa}. */
export interface SoftwareCaOptions {
  /** Data directory; null keeps the key in memory only. */
  dataDir: string | null;
  /** Use this key instead of generating one (tests reuse one key per file). PKCS#8 DER. */
  pkcs8?: Uint8Array;
}

function checkKey(key: KeyObject): KeyObject {
  const d = key.asymmetricKeyDetails;
  // E2EE-CERT-800 (MUST, server): the CA key is RSA-2048 with e = 65537.
  if (key.asymmetricKeyType !== 'rsa' || d?.modulusLength !== 2048 || d.publicExponent !== 65537n)
    throw new SealfoldError('KEY_UNSUPPORTED', 'the CA key must be RSA-2048 with e = 65537');
  return key;
}

function loadOrCreate(opts: SoftwareCaOptions): KeyObject {
  if (opts.pkcs8 !== undefined)
    return checkKey(
      createPrivateKey({
        key: Buffer.from(abytes(opts.pkcs8, 'pkcs8')),
        format: 'der',
        type: 'pkcs8',
      }),
    );
  if (opts.dataDir === null)
    return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 }).privateKey;
  const dir = join(opts.dataDir, 'ca');
  const path = join(dir, SOFTWARE_KEY_FILE);
  if (existsSync(path)) {
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new SealfoldError('KEY_MALFORMED', `the CA key file ${path} does not parse`, {
        cause: e,
      });
    }
    return checkKey(key);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  writeFileAtomic(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  return privateKey;
}

/**
 * Opens the software CA: loads the key from the data directory, or creates and persists it.
 *
 * @throws SealfoldError KEY_MALFORMED / KEY_UNSUPPORTED for an unusable key file.
 * @example
 * const ca = await openSoftwareCa({ dataDir: null });
 * const spki = await ca.publicKeySpki();
 */
export async function openSoftwareCa(opts: SoftwareCaOptions): Promise<CaSigner> {
  const key = loadOrCreate(opts);
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  let closed = false;
  return Object.freeze({
    kind: 'software' as const,
    publicKeySpki: async () => new Uint8Array(spki),
    signSha256Rsa: async (data: Uint8Array) => {
      if (closed) throw new SealfoldError('SERVER_ERROR', 'the CA signer is closed');
      return new Uint8Array(sign('sha256', abytes(data, 'data'), key));
    },
    close: async () => {
      closed = true;
    },
  });
}
