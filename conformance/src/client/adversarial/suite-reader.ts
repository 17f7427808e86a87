/**
 * The suite reader (spec/17, "Recorded runs of failing attacks"): an identity the suite owns,
 * enrolled on the embedded mock with the committed test key `vectors/keys/suite-reader.pem`, so
 * that a run recorded from a failing adversarial check can be replayed by someone whose key may be
 * published. The vendor's keys never take part: the reader is a member of the attacked folder in
 * its own right, and a report names its key by id only.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { packageFileUrl } from '../../../../reference/src/_internal/package-files.js';
import {
  certificateToPem,
  createCsr,
  csrToPem,
  MemoryPinStore,
  verifyUserCertificate,
} from '../../../../reference/src/certs/index.js';
import type { Device } from '../../../../reference/src/client/index.js';
import { e2ee, type HttpTransport } from '../../../../reference/src/http/index.js';
import { privateKeyFromPem, publicKeyFromPem } from '../../../../reference/src/keys/index.js';
import { MemoryStateStore } from '../../../../reference/src/state/index.js';
import type { MockServer } from '../check.js';

/** The key id a report gives for the reader's key (the file `vectors/keys/<id>.pem`). */
export const SUITE_READER_KEY_ID = 'suite-reader';

/** The committed test key of the suite reader, PEM (PKCS#8). */
export function suiteReaderKeyPem(): string {
  return readFileSync(packageFileUrl(`vectors/keys/${SUITE_READER_KEY_ID}.pem`), 'utf8');
}

/** The suite reader of one test: a user on the mock with a certificate for the committed key. */
export interface SuiteReader {
  readonly userId: string;
  /** The mock's CA public key as served (GET server-key), PEM. */
  readonly serverPublicKeyPem: string;
  /**
   * A reading device of the reader. Devices made by one call share nothing; the transport is read
   * on every request, so a caller may swap it between reads of the same device.
   */
  device(transport: () => HttpTransport): Device;
}

/** Reads of the reader are single attempts: a lock conflict is no verdict of the reader's. */
const NO_RETRY = { attempts: 1, delayMs: 0, sleep: async () => undefined };

/**
 * Creates the reader's account on the mock and enrols it with a CSR for the committed key; the
 * issued certificate must verify under the server key and name the reader.
 * @param password a fresh password; the caller plants it as a secret of the run.
 */
export async function enrolSuiteReader(
  server: MockServer,
  userId: string,
  password: string,
): Promise<SuiteReader> {
  await server.manage('POST', '/users', { uid: userId, password });
  const pkcs8 = privateKeyFromPem(suiteReaderKeyPem());
  const account = { baseUrl: server.baseUrl, userId, password };
  const serverPublicKeyPem = await e2ee.getServerKey({ account });
  const serverPublicKey = publicKeyFromPem(serverPublicKeyPem);
  const issued = await e2ee.submitCsr({ account }, csrToPem(await createCsr(pkcs8, userId)));
  const certificate = certificateToPem(
    verifyUserCertificate({ certificate: issued, serverPublicKey, userId }).der,
  );
  return {
    userId,
    serverPublicKeyPem,
    device(transport) {
      return {
        ctx: { account, transport: (req) => transport()(req) },
        userId,
        privateKey: pkcs8,
        certificate,
        serverPublicKey,
        pins: new MemoryPinStore(),
        state: new MemoryStateStore(),
        // A reader writes nothing; the stream is here because a device has one.
        rng: (n) => new Uint8Array(randomBytes(n)),
        retry: NO_RETRY,
      };
    },
  };
}
