/**
 * `sealfold cert verify`: validates a user certificate against the server key (E2EE-CERT-010..016)
 * and, with `--pins`, checks and records the pins (E2EE-CERT-031..035).
 *
 * @module
 */
import { resolve } from 'node:path';
import {
  atMostOneStdin,
  optionalString,
  printJson,
  readInputBytes,
  requireString,
  UsageError,
  type Command,
} from '../command.js';
import {
  acceptUserCertificate,
  FilePinStore,
  spkiFingerprint,
  verifyUserCertificate,
  type AcceptedCertificate,
} from '../../reference/src/certs/index.js';
import { looksLikePem } from '../../reference/src/pem/index.js';
import { LIMITS, type InputLimit } from '../input.js';

/** Reads FILE as PEM text when it looks like PEM, else as DER bytes. */
function readPemOrDer(
  cwd: string,
  file: string,
  option: string,
  limit: InputLimit,
): string | Uint8Array {
  const bytes = readInputBytes(cwd, file, option, limit);
  const latin1 = Buffer.from(bytes).toString('latin1');
  return looksLikePem(latin1) ? Buffer.from(bytes).toString('utf8') : bytes;
}

export const command: Command = {
  name: ['cert', 'verify'],
  summary: 'validate a user certificate against the server key (and check pins)',
  usage: '--cert FILE --server-key FILE --user ID [--pins FILE [--server-id ID]] [--json]',
  help: [
    'Checks that the certificate parses, that its key and the server key are RSA 2048-4096 bits',
    'with e = 65537, that the server key signed it (SHA-1 or SHA-256 RSA signatures), and that',
    'its CN equals --user exactly. Real Nextcloud quirks are accepted: issuer equal to subject,',
    'serial 0, CA:TRUE, 20-year validity. Prints the subject, the certificate fingerprint and',
    'the signature algorithm; exit 1 with one `sealfold: CODE: message` line on rejection.',
    '',
    'options:',
    '  --cert FILE        the user certificate, PEM or DER',
    '  --server-key FILE  the server public key (/server-key), SPKI PEM or DER',
    '  --user ID          the expected user id (or s:<shareToken> for a link share)',
    '  --pins FILE        pin file (created if absent): first sight pins the certificate key and',
    '                     the server key; a different key for a pinned identity is KEY_CHANGED',
    '  --server-id ID     identity of the server key in the pin file (default: default)',
    '  --json             print the result as JSON',
  ].join('\n'),
  options: {
    cert: { type: 'string' },
    'server-key': { type: 'string' },
    user: { type: 'string' },
    pins: { type: 'string' },
    'server-id': { type: 'string' },
  },
  async run(args, io) {
    const certFile = requireString(args, 'cert');
    const keyFile = requireString(args, 'server-key');
    const userId = requireString(args, 'user');
    const pinsFile = optionalString(args, 'pins');
    const serverId = optionalString(args, 'server-id');
    if (serverId !== undefined && pinsFile === undefined) {
      throw new UsageError('--server-id needs --pins');
    }
    atMostOneStdin(certFile, keyFile);
    const certificate = readPemOrDer(io.cwd, certFile, '--cert', LIMITS.certificate);
    const serverPublicKey = readPemOrDer(io.cwd, keyFile, '--server-key', LIMITS.key);
    let accepted: AcceptedCertificate | undefined;
    const cert =
      pinsFile === undefined
        ? verifyUserCertificate({ certificate, serverPublicKey, userId })
        : (accepted = await acceptUserCertificate({
            certificate,
            serverPublicKey,
            userId,
            pins: new FilePinStore(resolve(io.cwd, pinsFile)),
            serverId: serverId ?? 'default',
          })).certificate;
    const result = {
      ok: true,
      subject: cert.subject,
      subjectCn: cert.subjectCn,
      fingerprint: cert.fingerprint,
      spkiSha256: spkiFingerprint(cert.spki),
      signatureAlgorithm: cert.signatureAlgorithm,
      serialHex: cert.serialHex,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      isCa: cert.isCa,
      ...(accepted && { pin: accepted.pin.status, serverPin: accepted.serverPin?.status }),
    };
    if (args.values.json === true) {
      printJson(io, result);
    } else {
      io.stdout(
        [
          `subject: ${result.subject}`,
          `fingerprint: ${result.fingerprint}`,
          `key fingerprint: ${result.spkiSha256}`,
          `algorithm: ${result.signatureAlgorithm}`,
          ...(accepted ? [`pin: ${result.pin}`, `server key pin: ${result.serverPin}`] : []),
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};
