/**
 * The certificate profile a server issues (spec/13-certificate-authority.md §5), read from a
 * certificate it issued and from `server-key`: clients verify exactly this profile, quirks
 * included (a self-named, CA-flagged leaf with serial 0), so a server that deviates breaks them.
 *
 * The issued certificate is alice's (keys.ts ensures it); the DER is read with pkijs, the keys
 * with node:crypto.
 *
 * @module
 */
import { createPublicKey } from 'node:crypto';
import * as pkijs from 'pkijs';
import { parseCertificate } from '../../../../reference/src/certs/index.js';
import { CheckFailure, CheckSkipped, type ServerCheck } from '../check.js';
import { dataString, e2eePath, expectEqual, expectStatus } from './_support.js';
import { ensureCertificate } from './keys.js';

const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  basicConstraints: '2.5.29.19',
} as const;

const DAY_MS = 86_400_000;

/** Hex of the bytes of an OCTET STRING-like value. */
const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(b)).toString('hex');

const issuedProfile: ServerCheck = {
  id: 'certificate/issued-profile',
  title:
    'An issued certificate is v3, self-named, valid 7300 days, SKI/AKI/critical CA in order, sha256WithRSA, serial 0',
  requirements: ['E2EE-CERT-050', 'E2EE-CERT-053'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    if (ctx.features.includes('strict-serial'))
      throw new CheckSkipped(
        'the target declares strict-serial mode, where E2EE-CERT-053 does not apply',
      );
    const pem = await ensureCertificate(ctx, 'alice');
    const parsed = parseCertificate(pem);
    const cert = pkijs.Certificate.fromBER(new Uint8Array(parsed.der));
    expectEqual(cert.version, 2, 'X.509 version field (2 = v3)');
    expectEqual(parsed.issuer, parsed.subject, 'issuer equals subject');
    expectEqual(parsed.subjectCn ?? '', ctx.userId('alice'), 'subject CN');
    expectEqual(
      parsed.notAfter.getTime() - parsed.notBefore.getTime(),
      7300 * DAY_MS,
      'validity in milliseconds (7300 days)',
    );
    expectEqual(parsed.signatureAlgorithm, 'sha256WithRSAEncryption', 'signature algorithm');
    const exts = cert.extensions ?? [];
    expectEqual(
      exts.map((e) => e.extnID).join(','),
      [OID.subjectKeyIdentifier, OID.authorityKeyIdentifier, OID.basicConstraints].join(','),
      'extensions and their order',
    );
    const [ski, aki, bc] = exts as [pkijs.Extension, pkijs.Extension, pkijs.Extension];
    const skiValue = ski.parsedValue as { valueBlock?: { valueHexView?: Uint8Array } };
    const akiValue = aki.parsedValue as pkijs.AuthorityKeyIdentifier;
    const akiId = akiValue.keyIdentifier?.valueBlock.valueHexView;
    if (
      akiId === undefined ||
      akiValue.authorityCertIssuer !== undefined ||
      akiValue.authorityCertSerialNumber !== undefined
    )
      throw new CheckFailure('authorityKeyIdentifier is not keyIdentifier only', {
        expected: 'keyIdentifier only',
        actual: Object.keys(akiValue).join(','),
      });
    expectEqual(
      hex(akiId),
      hex(skiValue.valueBlock?.valueHexView ?? new Uint8Array()),
      'authorityKeyIdentifier equals subjectKeyIdentifier',
    );
    expectEqual(bc.critical, true, 'basicConstraints critical');
    expectEqual(parsed.isCa, true, 'basicConstraints cA');
    // E2EE-CERT-053: serial 0 in the default, Nextcloud-compatible mode.
    expectEqual(parsed.serialHex, '0', 'serial number');
  },
};

const serverKeyRsa2048: ServerCheck = {
  id: 'certificate/server-key-rsa-2048',
  title: 'server-key is an RSA key with a 2048-bit modulus and exponent 65537',
  requirements: ['E2EE-CERT-800', 'E2EE-CERT-080'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const r = await ctx.request('alice', 'GET', e2eePath('/server-key'));
    expectStatus(r, 200, 'GET server-key');
    const key = createPublicKey(dataString(r, 'public-key', 'server-key'));
    const d = key.asymmetricKeyDetails;
    expectEqual(key.asymmetricKeyType ?? '', 'rsa', 'server key type');
    expectEqual(d?.modulusLength ?? 0, 2048, 'server key modulus bits');
    expectEqual(String(d?.publicExponent ?? ''), '65537', 'server key public exponent');
  },
};

/** The certificate-profile checks, in report order. */
export const CERTIFICATE_PROFILE_CHECKS: readonly ServerCheck[] = [issuedProfile, serverKeyRsa2048];
