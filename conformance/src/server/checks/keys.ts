/**
 * Key endpoint checks (spec/10-server-api.md §5–§8, spec/13-certificate-authority.md): issuance
 * to the caller's CN only, proof of possession, certificates that verify against `server-key`,
 * keys that are never replaced, the private-key blob kept byte-exact, deletion only with the
 * password confirmation.
 *
 * Actors have fixed roles so that no check depends on another's order: bob is enrolled only by
 * `keys/certificate-issued-to-caller`, mallory never gets a key (the refusals need a user without
 * one), carol stores a private key only in `keys/private-key-byte-exact`, and alice is the
 * enrolled user every other check ensures (enrolling her when nobody has yet).
 *
 * @module
 */
import { generateUserKeyPair, privateKeyToPem } from '../../../../reference/src/keys/index.js';
import {
  createCsr,
  csrToPem,
  parseCertificate,
  verifyUserCertificate,
} from '../../../../reference/src/certs/index.js';
import { isSealfoldError } from '../../../../reference/src/errors/index.js';
import {
  CheckFailure,
  CheckSkipped,
  type Actor,
  type CheckContext,
  type ServerCheck,
} from '../check.js';
import {
  dataString,
  e2eePath,
  expectEqual,
  expectStatus,
  fakeKeyBlob,
  form,
  makeEncryptedFolder,
  ocsData,
  seededBytes,
  seen,
} from './_support.js';

/** The certificate `actor` has on the server, or undefined (404). */
export async function storedCertificate(
  ctx: CheckContext,
  actor: Actor,
): Promise<string | undefined> {
  const r = await ctx.request(actor, 'GET', e2eePath('/public-key'));
  if (r.status === 404) return undefined;
  expectStatus(r, 200, 'GET public-key');
  const data = ocsData(r) as { 'public-keys'?: Record<string, unknown> } | undefined;
  const pem = data?.['public-keys']?.[ctx.userId(actor)];
  if (typeof pem !== 'string')
    throw new CheckFailure('GET public-key does not list the caller', {
      expected: `public-keys["${ctx.userId(actor)}"]`,
      actual: seen(r),
    });
  return pem;
}

/** The private-key blob `actor` has on the server, or undefined (404). */
async function storedPrivateKey(
  ctx: CheckContext,
  actor: Actor,
  password?: string,
): Promise<string | undefined> {
  const r = await ctx.request(actor, 'GET', e2eePath('/private-key'), password ? { password } : {});
  if (r.status === 404) return undefined;
  expectStatus(r, 200, 'GET private-key');
  return dataString(r, 'private-key', 'GET private-key');
}

/** A CSR PEM for `cn`, signed by a fresh key; also returns the key. */
async function freshCsr(cn: string): Promise<{ pem: string; der: Uint8Array; spki: Uint8Array }> {
  const kp = await generateUserKeyPair();
  const der = await createCsr(kp.pkcs8, cn);
  return { pem: csrToPem(der), der, spki: kp.spki };
}

function postCsr(ctx: CheckContext, actor: Actor, csrPem: string, password?: string) {
  const f = form({ csr: csrPem });
  return ctx.request(actor, 'POST', e2eePath('/public-key'), {
    ...f,
    ...(password ? { password } : {}),
  });
}

/** Ensures `actor` has a certificate (enrolling with a fresh key if none); returns its PEM. */
export async function ensureCertificate(ctx: CheckContext, actor: Actor): Promise<string> {
  const have = await storedCertificate(ctx, actor);
  if (have !== undefined) return have;
  const r = await postCsr(ctx, actor, (await freshCsr(ctx.userId(actor))).pem);
  expectStatus(r, 200, 'POST public-key (enrolment)');
  return dataString(r, 'public-key', 'POST public-key');
}

/** Ensures `actor` has a private-key blob; returns it. */
export async function ensurePrivateKey(ctx: CheckContext, actor: Actor): Promise<string> {
  const have = await storedPrivateKey(ctx, actor);
  if (have !== undefined) return have;
  const blob = fakeKeyBlob(ctx.seed, `${actor}-private-key`);
  const r = await ctx.request(actor, 'POST', e2eePath('/private-key'), form({ privateKey: blob }));
  expectStatus(r, 200, 'POST private-key');
  return blob;
}

/** Skips unless `actor` has no certificate: the refusal checks need a user without one. */
async function requireNoCertificate(ctx: CheckContext, actor: Actor): Promise<void> {
  if ((await storedCertificate(ctx, actor)) !== undefined)
    throw new CheckSkipped(
      `${actor} already has a certificate; this check needs a user without one`,
    );
}

/** A fresh app password of `actor` through the mock's management API; undefined elsewhere. */
async function newAppPassword(ctx: CheckContext, actor: Actor): Promise<string | undefined> {
  if (ctx.management === undefined) return undefined;
  const r = await ctx.request(
    null,
    'POST',
    `/__sealfold/users/${encodeURIComponent(ctx.userId(actor))}/app-passwords`,
    {
      bare: true,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sealfold-conformance' }),
    },
  );
  expectStatus(r, 201, 'management: new app password');
  const secret = (r.json() as { appPassword?: unknown }).appPassword;
  if (typeof secret !== 'string')
    throw new CheckFailure('management: no app password returned', {
      expected: 'appPassword',
      actual: seen(r),
    });
  ctx.plantSecret(secret);
  return secret;
}

const certificateIssuedToCaller: ServerCheck = {
  id: 'keys/certificate-issued-to-caller',
  title:
    "A CSR is issued as a certificate for the caller's own CN that verifies against server-key",
  requirements: ['E2EE-API-024', 'E2EE-CERT-052', 'E2EE-CERT-055', 'E2EE-API-050', 'E2EE-API-020'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    await requireNoCertificate(ctx, 'bob');
    const userId = ctx.userId('bob');
    const csr = await freshCsr(userId);
    const r = await postCsr(ctx, 'bob', csr.pem);
    expectStatus(r, 200, 'POST public-key');
    const pem = dataString(r, 'public-key', 'POST public-key');
    const sk = await ctx.request('bob', 'GET', e2eePath('/server-key'));
    expectStatus(sk, 200, 'GET server-key');
    try {
      verifyUserCertificate({
        certificate: pem,
        serverPublicKey: dataString(sk, 'public-key', 'server-key'),
        userId,
      });
    } catch (e) {
      if (!isSealfoldError(e)) throw e;
      throw new CheckFailure(`the issued certificate does not verify: ${e.code}`, {
        expected: 'verifies against server-key, CN = caller',
        actual: e.code,
      });
    }
    const spkiHex = Buffer.from(parseCertificate(pem).spki).toString('hex');
    expectEqual(
      spkiHex,
      Buffer.from(csr.spki).toString('hex'),
      "the certificate's key (SPKI) is the CSR's",
    );
    expectEqual(
      await storedCertificate(ctx, 'bob'),
      pem,
      'GET public-key returns the issued certificate',
    );
  },
};

const foreignCnRefused: ServerCheck = {
  id: 'keys/csr-foreign-cn-refused',
  title: "A CSR naming another user's CN is refused with 403 and nothing is stored",
  requirements: ['E2EE-CERT-052', 'E2EE-API-024'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    await requireNoCertificate(ctx, 'mallory');
    const r = await postCsr(ctx, 'mallory', (await freshCsr(ctx.userId('alice'))).pem);
    expectStatus(r, 403, "POST public-key with alice's CN as mallory");
    if ((await storedCertificate(ctx, 'mallory')) !== undefined)
      throw new CheckFailure('mallory has a certificate after the refused CSR', {
        expected: 404,
        actual: 200,
      });
  },
};

const proofOfPossession: ServerCheck = {
  id: 'keys/csr-proof-of-possession',
  title: 'A CSR whose self-signature does not verify is refused with 400 and nothing is stored',
  requirements: ['E2EE-CERT-051'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    await requireNoCertificate(ctx, 'mallory');
    const csr = await freshCsr(ctx.userId('mallory'));
    // The last byte belongs to the signature: flipping it keeps the CSR parseable, unsigned.
    const der = new Uint8Array(csr.der);
    der[der.length - 1] = der[der.length - 1]! ^ 0x01;
    const r = await postCsr(ctx, 'mallory', csrToPem(der));
    expectStatus(r, 400, 'POST public-key with a broken self-signature');
    if ((await storedCertificate(ctx, 'mallory')) !== undefined)
      throw new CheckFailure('mallory has a certificate after the refused CSR', {
        expected: 404,
        actual: 200,
      });
  },
};

const secondPublicKey: ServerCheck = {
  id: 'keys/second-public-key-rejected',
  title: 'A second POST or PUT public-key answers 409 and the certificate stays the same',
  requirements: ['E2EE-API-022'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const before = await ensureCertificate(ctx, 'alice');
    const again = await postCsr(ctx, 'alice', (await freshCsr(ctx.userId('alice'))).pem);
    expectStatus(again, 409, 'a second POST public-key');
    const put = await ctx.request(
      'alice',
      'PUT',
      e2eePath('/public-key'),
      form({ publicKey: before }),
    );
    expectStatus(put, 409, 'PUT public-key over an existing certificate');
    expectEqual(await storedCertificate(ctx, 'alice'), before, 'the stored certificate');
  },
};

const secondPrivateKey: ServerCheck = {
  id: 'keys/second-private-key-rejected',
  title: 'A second POST private-key answers 409 and the stored blob stays the same',
  requirements: ['E2EE-API-811'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const before = await ensurePrivateKey(ctx, 'alice');
    const r = await ctx.request(
      'alice',
      'POST',
      e2eePath('/private-key'),
      form({ privateKey: fakeKeyBlob(ctx.seed, 'second') }),
    );
    expectStatus(r, 409, 'a second POST private-key');
    expectEqual(await storedPrivateKey(ctx, 'alice'), before, 'the stored private key');
  },
};

const privateKeyByteExact: ServerCheck = {
  id: 'keys/private-key-byte-exact',
  title: 'The private-key blob is stored and returned byte-exact',
  requirements: ['E2EE-API-809', 'E2EE-API-810'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    if ((await storedPrivateKey(ctx, 'carol')) !== undefined)
      throw new CheckSkipped(
        'carol already has a private key; this check needs a user without one',
      );
    const blob = fakeKeyBlob(ctx.seed, 'carol-private-key');
    const r = await ctx.request(
      'carol',
      'POST',
      e2eePath('/private-key'),
      form({ privateKey: blob }),
    );
    expectStatus(r, 200, 'POST private-key');
    expectEqual(dataString(r, 'private-key', 'POST private-key'), blob, 'the echoed blob');
    expectEqual(await storedPrivateKey(ctx, 'carol'), blob, 'GET private-key');
  },
};

const keysSurviveRelogin: ServerCheck = {
  id: 'keys/immutable-across-relogin',
  title: 'After a new login the same certificate and private key are served and cannot be replaced',
  requirements: ['E2EE-API-022', 'E2EE-API-811'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const cert = await ensureCertificate(ctx, 'alice');
    const blob = await ensurePrivateKey(ctx, 'alice');
    // A new device logs in with its own app password (on the mock; else the same credentials).
    const device = await newAppPassword(ctx, 'alice');
    if (device === undefined) ctx.note('no management API: re-login with the same credentials');
    const r = await postCsr(ctx, 'alice', (await freshCsr(ctx.userId('alice'))).pem, device);
    expectStatus(r, 409, 'POST public-key from the new login');
    const again = await ctx.request(
      'alice',
      'GET',
      e2eePath('/public-key'),
      device ? { password: device } : {},
    );
    expectStatus(again, 200, 'GET public-key from the new login');
    expectEqual(await storedCertificate(ctx, 'alice'), cert, 'the certificate after the new login');
    expectEqual(
      await storedPrivateKey(ctx, 'alice', device),
      blob,
      'the private key after the new login',
    );
  },
};

const deleteWithoutConfirmationNc30: ServerCheck = {
  id: 'keys/delete-without-confirmation-nc30',
  title: 'In nc30 an app password deletes a private key: app 1.14–1.16 asks no confirmation',
  requirements: ['E2EE-API-420'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  statusProfiles: ['nc30'],
  async run(ctx) {
    const device = await newAppPassword(ctx, 'mallory');
    if (device === undefined)
      throw new CheckSkipped(
        'needs an app password, which only the mock management API can create',
      );
    // mallory's key is uploaded here and deleted again, so mallory ends without one.
    const blob = fakeKeyBlob(ctx.seed, 'mallory-nc30-delete');
    const up = await ctx.request(
      'mallory',
      'POST',
      e2eePath('/private-key'),
      form({ privateKey: blob }),
    );
    expectStatus(up, 200, 'POST private-key (login password)');
    const r = await ctx.request('mallory', 'DELETE', e2eePath('/private-key'), {
      password: device,
    });
    expectStatus(r, 200, 'DELETE private-key with an app password');
    expectStatus(
      await ctx.request('mallory', 'GET', e2eePath('/private-key')),
      404,
      'GET private-key after the delete',
    );
  },
};

const deleteNeedsConfirmation: ServerCheck = {
  id: 'keys/delete-needs-password-confirmation',
  title:
    'Key deletes and the encrypted-files reset refuse an app password (403) and change nothing',
  requirements: ['E2EE-API-060'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  // App 1.14–1.16 (profile nc30) has no password confirmation at all (E2EE-API-420).
  statusProfiles: ['nc32', 'nc33'],
  async run(ctx) {
    const device = await newAppPassword(ctx, 'alice');
    if (device === undefined)
      throw new CheckSkipped(
        'needs an app password, which only the mock management API can create',
      );
    const cert = await ensureCertificate(ctx, 'alice');
    const blob = await ensurePrivateKey(ctx, 'alice');
    const folder = await makeEncryptedFolder(ctx, 'alice', 'kept');
    for (const path of ['/public-key', '/private-key']) {
      const r = await ctx.request('alice', 'DELETE', e2eePath(path), { password: device });
      expectStatus(r, 403, `DELETE ${path} with an app password`);
    }
    const reset = await ctx.request(
      'alice',
      'DELETE',
      '/ocs/v2.php/apps/end_to_end_encryption/api/v2/encrypted-files?format=json',
      { password: device },
    );
    expectStatus(reset, 403, 'DELETE encrypted-files with an app password');
    expectEqual(await storedCertificate(ctx, 'alice'), cert, 'the certificate');
    expectEqual(await storedPrivateKey(ctx, 'alice'), blob, 'the private key');
    const flag = await ctx.request('alice', 'PUT', e2eePath(`/encrypted/${folder.id}`));
    // The folder still exists: setting its flag again answers 200 (404 once it is gone).
    expectStatus(flag, 200, 'the encrypted folder after the refused reset');
  },
};

const publicKeyLookupErrors: ServerCheck = {
  id: 'keys/public-key-lookup-errors',
  title:
    'GET public-key answers 404 when a named user has no certificate, 400 for a bad users list',
  requirements: ['E2EE-API-021'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    await ensureCertificate(ctx, 'alice');
    await requireNoCertificate(ctx, 'mallory');
    const lookup = (users: string) =>
      ctx.request('alice', 'GET', `${e2eePath('/public-key')}&users=${encodeURIComponent(users)}`);
    expectStatus(
      await lookup(JSON.stringify([ctx.userId('mallory')])),
      404,
      'GET public-key naming a user without a certificate',
    );
    expectStatus(
      await lookup(JSON.stringify([ctx.userId('alice')])),
      200,
      'GET public-key of self',
    );
    for (const bad of ['not json', '{"a":"b"}', '[1]'])
      expectStatus(await lookup(bad), 400, `GET public-key with users=${bad}`);
  },
};

const absentKeysNotFound: ServerCheck = {
  id: 'keys/absent-keys-not-found',
  title:
    'GET of a private key the user does not have answers 404; DELETE of an absent key answers 200',
  requirements: ['E2EE-API-042', 'E2EE-API-026'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  async run(ctx) {
    // mallory never gets a key (the module comment), so both deletes find nothing.
    await requireNoCertificate(ctx, 'mallory');
    expectStatus(
      await ctx.request('mallory', 'GET', e2eePath('/private-key')),
      404,
      'GET private-key without one',
    );
    // Every release's KeyStorage returns silently when there is nothing to delete.
    for (const path of ['/private-key', '/public-key'])
      expectStatus(
        await ctx.request('mallory', 'DELETE', e2eePath(path)),
        200,
        `DELETE ${path} without one (login password)`,
      );
  },
};

const privateKeyFormatNc32: ServerCheck = {
  id: 'keys/private-key-format-checked',
  title:
    'In nc32, a private-key blob that is not ct|iv(12 bytes)|salt(40 bytes), such as an unwrapped PEM key or a mnemonic, is refused with 400',
  // E2EE-API-043: private-key is the one endpoint of the API that takes key material, so the
  // unwrapped forms are offered there; that no other endpoint takes them cannot be probed.
  requirements: ['E2EE-API-041', 'E2EE-API-043'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  // nc30 stores any non-empty string (E2EE-API-041), so there is nothing to refuse there.
  statusProfiles: ['nc32', 'nc33'],
  async run(ctx) {
    // mallory never has a key: a refused upload must leave her without one.
    if ((await storedPrivateKey(ctx, 'mallory')) !== undefined)
      throw new CheckSkipped(
        'mallory already has a private key; this check needs a user without one',
      );
    const b64 = (n: number, label: string) =>
      Buffer.from(seededBytes(ctx.seed, label, n)).toString('base64');
    const ct = b64(1700, 'ct');
    // A throwaway key: an unwrapped private key must be refused, not stored (E2EE-API-043).
    const unwrapped = privateKeyToPem((await generateUserKeyPair()).pkcs8);
    const malformed: [string, string][] = [
      ['an unwrapped PEM private key', unwrapped],
      [
        'a mnemonic',
        'abandon ability able about above absent absorb abstract absurd abuse access accident',
      ],
      ['two segments', `${ct}|${b64(12, 'iv')}`],
      ['an 11-byte iv', `${ct}|${b64(11, 'iv')}|${b64(40, 'salt')}`],
      ['a 39-byte salt', `${ct}|${b64(12, 'iv')}|${b64(39, 'salt')}`],
      [
        'a ciphertext that is not base64',
        `${ct.slice(0, 40)}*!|${b64(12, 'iv')}|${b64(40, 'salt')}`,
      ],
    ];
    for (const [what, blob] of malformed) {
      const r = await ctx.request(
        'mallory',
        'POST',
        e2eePath('/private-key'),
        form({ privateKey: blob }),
      );
      expectStatus(r, 400, `POST private-key with ${what}`);
    }
    if ((await storedPrivateKey(ctx, 'mallory')) !== undefined)
      throw new CheckFailure('mallory has a private key after the refused uploads', {
        expected: 404,
        actual: 200,
      });
  },
};

const shareTokenKeysOwnerOnly: ServerCheck = {
  id: 'keys/share-token-writes-refused',
  title: 'Key writes with a shareToken of a link share the caller does not own are refused (403)',
  requirements: ['E2EE-API-025'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    // A token no link share of mallory's has (a guess): the key would belong to `s:<token>`.
    const token = Buffer.from(seededBytes(ctx.seed, 'share-token', 12)).toString('hex');
    const key = await ctx.request(
      'mallory',
      'POST',
      e2eePath('/private-key'),
      form({ privateKey: fakeKeyBlob(ctx.seed, 'share-key'), shareToken: token }),
    );
    expectStatus(key, 403, 'POST private-key with a shareToken mallory does not own');
    const csr = await ctx.request(
      'mallory',
      'POST',
      e2eePath('/public-key'),
      form({ csr: (await freshCsr(`s:${token}`)).pem, shareToken: token }),
    );
    expectStatus(csr, 403, 'POST public-key with a shareToken mallory does not own');
    const del = await ctx.request(
      'mallory',
      'DELETE',
      `${e2eePath('/public-key')}&shareToken=${token}`,
    );
    expectStatus(del, 403, 'DELETE public-key with a shareToken mallory does not own');
  },
};

const uploadedCertificateChecked: ServerCheck = {
  id: 'keys/uploaded-certificate-checked',
  title:
    'PUT public-key refuses a value that is no PEM certificate, or one naming another user (400)',
  requirements: ['E2EE-API-023'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    await requireNoCertificate(ctx, 'mallory');
    const alices = await ensureCertificate(ctx, 'alice');
    const put = (publicKey: string) =>
      ctx.request('mallory', 'PUT', e2eePath('/public-key'), form({ publicKey }));
    expectStatus(await put('not a certificate'), 400, 'PUT public-key with no PEM');
    expectStatus(await put(alices), 400, "PUT public-key with alice's certificate as mallory");
    if ((await storedCertificate(ctx, 'mallory')) !== undefined)
      throw new CheckFailure('mallory has a certificate after the refused uploads', {
        expected: 404,
        actual: 200,
      });
  },
};

const anonymousPublicKeyLookup: ServerCheck = {
  id: 'keys/anonymous-public-key-lookup',
  title:
    "An anonymous GET public-key is answered with the named users' certificates in nc33 (app 2.x), 401 in nc30 and nc32",
  requirements: ['E2EE-API-432', 'E2EE-API-005'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  async run(ctx) {
    const pem = await ensureCertificate(ctx, 'alice');
    const alice = ctx.userId('alice');
    const r = await ctx.request(
      null,
      'GET',
      e2eePath(`/public-key?users=${encodeURIComponent(JSON.stringify([alice]))}`),
    );
    if (ctx.statusProfile !== 'nc33') {
      expectStatus(r, 401, 'anonymous GET public-key');
      return;
    }
    expectStatus(r, 200, 'anonymous GET public-key (nc33)');
    const keys = (ocsData(r) as { 'public-keys'?: Record<string, unknown> } | undefined)?.[
      'public-keys'
    ];
    expectEqual(Object.keys(keys ?? {}).join(','), alice, 'the users answered');
    expectEqual(String(keys?.[alice]), pem, "alice's certificate");
  },
};

/** The key checks, in report order. */
export const KEY_CHECKS: readonly ServerCheck[] = [
  certificateIssuedToCaller,
  foreignCnRefused,
  proofOfPossession,
  secondPublicKey,
  secondPrivateKey,
  privateKeyByteExact,
  keysSurviveRelogin,
  deleteNeedsConfirmation,
  deleteWithoutConfirmationNc30,
  publicKeyLookupErrors,
  absentKeysNotFound,
  privateKeyFormatNc32,
  shareTokenKeysOwnerOnly,
  uploadedCertificateChecked,
  anonymousPublicKeyLookup,
];
