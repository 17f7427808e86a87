/**
 * Honest identity scenarios (profile client-identity): enrolment and recovery on a second
 * device, each checked against what the server holds and across vendor and reference devices.
 *
 * @module
 */
import { certificateFingerprint } from '../../../../reference/src/certs/index.js';
import { e2ee } from '../../../../reference/src/http/index.js';
import type { ClientActor, ClientCheck, ClientCheckContext } from '../check.js';
import { CheckFailure } from '../check.js';

/** The fingerprint of the certificate the server holds for `device`'s user. */
async function serverCertificateFingerprint(
  ctx: ClientCheckContext,
  device: ClientActor,
  password: string,
): Promise<string> {
  const pems = await e2ee.getPublicKeys(
    { account: { baseUrl: ctx.server.baseUrl, userId: device.userId, password } },
    [device.userId],
  );
  const pem = pems[device.userId];
  if (pem === undefined) throw new CheckFailure('the server holds no certificate for the user');
  return certificateFingerprint(pem);
}

export const enrolIssuesCertificate: ClientCheck = {
  id: 'identity/enrol',
  title: 'enrolment: the certificate the client reports is the one the server issued and holds',
  requirements: ['E2EE-DRV-020', 'E2EE-DRV-022', 'E2EE-API-302'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-identity',
  actors: ['alice'],
  async run(ctx) {
    const alice = await ctx.actor('alice');
    const before = await alice.call('identity.status', {});
    if (before.enrolled) throw new CheckFailure('a fresh device reports itself enrolled');
    const enrolled = await alice.call('identity.enroll', {});
    const status = await alice.call('identity.status', {});
    if (!status.enrolled || status.certFingerprintSha256 !== enrolled.certFingerprintSha256) {
      throw new CheckFailure('identity.status does not report the enrolled certificate', {
        expected: enrolled.certFingerprintSha256,
        actual: status.certFingerprintSha256,
      });
    }
    const held = await serverCertificateFingerprint(ctx, alice, ctx.passwordOf('alice'));
    if (held !== enrolled.certFingerprintSha256) {
      throw new CheckFailure('the reported certificate is not the one the server holds', {
        expected: held,
        actual: enrolled.certFingerprintSha256,
      });
    }
  },
};

/** Recovery with `first` enrolling and `second` recovering, of the kinds given. */
async function recoverAcross(
  ctx: ClientCheckContext,
  firstKind: 'vendor' | 'reference',
  secondKind: 'vendor' | 'reference',
): Promise<void> {
  const first = await ctx.newDevice('alice', firstKind);
  const enrolled = await first.call('identity.enroll', {});
  const second = await ctx.newDevice('alice', secondKind);
  const recovered = await second.call('identity.recover', { mnemonic: ctx.mnemonicOf('alice') });
  if (recovered.certFingerprintSha256 !== enrolled.certFingerprintSha256) {
    throw new CheckFailure('the second device recovered another certificate', {
      expected: enrolled.certFingerprintSha256,
      actual: recovered.certFingerprintSha256,
    });
  }
  const status = await second.call('identity.status', {});
  if (!status.enrolled) throw new CheckFailure('the recovered device does not report enrolled');
  const firstStatus = await first.call('identity.status', {});
  if (status.serverKeyFingerprintSha256 !== firstStatus.serverKeyFingerprintSha256) {
    throw new CheckFailure('the two devices pinned different server keys', {
      expected: firstStatus.serverKeyFingerprintSha256,
      actual: status.serverKeyFingerprintSha256,
    });
  }
}

export const recoverOnSecondDevice: ClientCheck = {
  id: 'identity/recover-second-device',
  title: 'recovery: a second device of the vendor recovers the key a reference device enrolled',
  requirements: ['E2EE-DRV-021', 'E2EE-API-304'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-identity',
  actors: ['alice'],
  run: (ctx) => recoverAcross(ctx, 'reference', ctx.roles.alice),
};

export const recoverVendorEnrolment: ClientCheck = {
  id: 'identity/recover-vendor-enrolment',
  title: 'recovery: a reference device recovers the key the vendor enrolled (mnemonic interop)',
  requirements: ['E2EE-DRV-020', 'E2EE-DRV-021', 'E2EE-API-304'],
  level: 'MUST',
  importance: 'high',
  profile: 'client-identity',
  actors: ['alice'],
  needs: ['expose-secrets'],
  run: (ctx) => recoverAcross(ctx, ctx.roles.alice, 'reference'),
};

export const recoverWrongMnemonicRefused: ClientCheck = {
  id: 'identity/recover-wrong-mnemonic',
  title:
    'recovery with a mnemonic of another key is refused with MNEMONIC_INVALID or KEY_UNWRAP_FAILED',
  requirements: ['E2EE-DRV-021', 'E2EE-DRV-042', 'E2EE-API-304'],
  level: 'MUST',
  importance: 'high',
  profile: 'client-identity',
  actors: ['alice', 'bob'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const first = await ctx.newDevice('alice', 'reference');
    await first.call('identity.enroll', {});
    await ctx.enrolled('bob');
    const second = await ctx.newDevice('alice');
    await ctx.expectRejection(
      second.call('identity.recover', { mnemonic: ctx.mnemonicOf('bob') }),
      ['MNEMONIC_INVALID', 'KEY_UNWRAP_FAILED', 'AEAD_TAG_MISMATCH', 'KEY_MISMATCH'],
      "recovery with bob's mnemonic",
    );
    const status = await second.call('identity.status', {});
    if (status.enrolled)
      throw new CheckFailure('the device reports enrolled after a refused recovery');
  },
};

export const IDENTITY_CHECKS: readonly ClientCheck[] = [
  enrolIssuesCertificate,
  recoverOnSecondDevice,
  recoverVendorEnrolment,
  recoverWrongMnemonicRefused,
];
