/**
 * The whole client-side acceptance of another user's (or the user's own) certificate:
 * validation against the server key, then the pin check (spec/03-certificates.md §Pinning,
 * E2EE-CERT-035). Callers that wrap a key for a user or accept a signature by a user go through
 * this function.
 *
 * @module
 */
import type { CertificateInput, ParsedCertificate } from '../_internal/x509.js';
import {
  certificateRecord,
  checkPin,
  pinIdentity,
  serverKeyRecord,
  type PinResult,
  type PinStore,
} from './pinning.js';
import { verifyUserCertificate, type VerifyUserCertificateOptions } from './verify.js';
import { PEM_LABELS, pemDecode } from '../pem/index.js';
import { SealfoldError } from '../errors/index.js';

/** Options of {@link acceptUserCertificate}. */
export interface AcceptUserCertificateOptions extends VerifyUserCertificateOptions {
  /** Where pins live. */
  pins: PinStore;
  /** When given, the server key is pinned under this id as well (E2EE-CERT-034). */
  serverId?: string;
  now?: Date;
}

/** The accepted certificate and the pin outcomes. */
export interface AcceptedCertificate {
  certificate: ParsedCertificate;
  pin: PinResult;
  serverPin?: PinResult;
}

/**
 * Validates `certificate` for `userId` (E2EE-CERT-010..016) and then checks it against the pin
 * for `userId` (E2EE-CERT-031/032). Validation failures never touch the pin store.
 *
 * @throws every code of verifyUserCertificate, then KEY_CHANGED.
 * @example
 * const { certificate } = await acceptUserCertificate({ certificate: pem, serverPublicKey, userId: 'bob', pins });
 */
export async function acceptUserCertificate(
  opts: AcceptUserCertificateOptions,
): Promise<AcceptedCertificate> {
  // E2EE-CERT-035 (MUST, client): validate first; only a valid certificate reaches the pins.
  return pinVerifiedCertificate(verifyUserCertificate(opts), opts);
}

/**
 * The pin half of {@link acceptUserCertificate}, for a `certificate` that verifyUserCertificate
 * has just returned for the same `userId` and `serverPublicKey` (the recovery module, which
 * validates before decrypting, uses it so as not to validate twice). Not exported by the module.
 */
export async function pinVerifiedCertificate(
  certificate: ParsedCertificate,
  opts: Omit<AcceptUserCertificateOptions, 'certificate'>,
): Promise<AcceptedCertificate> {
  const now = opts.now ?? new Date();
  const userIdentity = pinIdentity('user', opts.userId);
  const userRecord = certificateRecord(certificate, now);
  let server: { identity: string; record: ReturnType<typeof serverKeyRecord> } | undefined;
  if (opts.serverId !== undefined) {
    const spki =
      typeof opts.serverPublicKey === 'string'
        ? pemDecode(opts.serverPublicKey, PEM_LABELS.publicKey)
        : opts.serverPublicKey;
    server = { identity: pinIdentity('server', opts.serverId), record: serverKeyRecord(spki, now) };
  }
  // Every pin is checked before any is stored, so a KEY_CHANGED leaves the store as it was
  // (E2EE-SEC-804).
  const serverPin = server && (await checkPin(opts.pins, server.identity, server.record));
  const pin = await checkPin(opts.pins, userIdentity, userRecord);
  // E2EE-SEC-012 (MUST, client): new pins are stored before the certificate is returned.
  if (server && serverPin?.status === 'pinned') await opts.pins.set(server.identity, server.record);
  if (pin.status === 'pinned') await opts.pins.set(userIdentity, userRecord);
  return serverPin === undefined ? { certificate, pin } : { certificate, pin, serverPin };
}

/** Options of {@link acceptUserCertificates}. */
export interface AcceptUserCertificatesOptions {
  /** The pinned server key every certificate must be issued by. */
  serverPublicKey: Uint8Array | string;
  pins: PinStore;
  now?: Date;
}

/**
 * Accepts a whole list of certificates (the `users` of one document) as one unit: every
 * certificate is validated (E2EE-CERT-010..016) and checked against its pin before any new pin is
 * stored, so a list that fails anywhere leaves the pin store exactly as it was (E2EE-SEC-804).
 *
 * @returns the accepted certificates, in the order given.
 * @throws every code of verifyUserCertificate, then KEY_CHANGED.
 */
export async function acceptUserCertificates(
  list: ReadonlyArray<{ userId: string; certificate: CertificateInput }>,
  opts: AcceptUserCertificatesOptions,
): Promise<AcceptedCertificate[]> {
  const now = opts.now ?? new Date();
  // E2EE-CERT-035 (MUST, client): all validated first; only valid certificates reach the pins.
  const verified = list.map((m) =>
    verifyUserCertificate({
      certificate: m.certificate,
      serverPublicKey: opts.serverPublicKey,
      userId: m.userId,
    }),
  );
  const checked = [];
  const seen = new Map<string, string>();
  for (const [i, certificate] of verified.entries()) {
    const identity = pinIdentity('user', list[i]!.userId);
    const record = certificateRecord(certificate, now);
    // One list naming a user twice with two keys would pin whichever came last.
    if ((seen.get(identity) ?? record.spkiSha256) !== record.spkiSha256) {
      throw new SealfoldError('KEY_CHANGED', `the list names ${identity} with two keys`);
    }
    seen.set(identity, record.spkiSha256);
    checked.push({
      identity,
      record,
      certificate,
      pin: await checkPin(opts.pins, identity, record),
    });
  }
  // E2EE-SEC-012 (MUST, client): the new pins are stored before the certificates are returned.
  for (const c of checked) if (c.pin.status === 'pinned') await opts.pins.set(c.identity, c.record);
  return checked.map((c) => ({ certificate: c.certificate, pin: c.pin }));
}
