/**
 * Adversarial client checks: the vendor's client plays the victim of one attack of the mock's
 * catalogue (server-mock/src/adversary/), the reference client every other actor. Each check
 * cites the requirements the catalogue names for its attack and E2EE-CONF-455 (what every
 * refusal is held to, `./attack.ts`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ATTACKS, type AttackName } from '../../../../server-mock/src/adversary/catalogue.js';
import { e2ee, webdav } from '../../../../reference/src/http/index.js';
import type { ClientActor, ClientCheck, ClientCheckContext, ClientProfile } from '../check.js';
import type { Actor } from '../check.js';
import { CheckFailure } from '../check.js';
import { expectNoPrivateKeyStored, mount } from './attack.js';
import { memberDevice, repeated, storedNonce, viewOf } from './observe.js';
import { unsignedStatementRefused } from './recovery-key.js';

/** Requirements of a check on `attack`: the catalogue's, then the suite's own. */
const cites = (attack: AttackName) => [...ATTACKS[attack].requirements, 'E2EE-CONF-455'];

function check(
  attack: AttackName,
  o: {
    slug: string;
    title: string;
    profile: ClientProfile;
    actors: readonly Actor[];
    victim: Actor;
    run: (ctx: ClientCheckContext) => Promise<void>;
  },
): ClientCheck {
  return {
    id: `adversarial/${o.slug}`,
    title: `${attack}: ${o.title}`,
    requirements: cites(attack),
    level: 'MUST',
    importance: 'critical',
    profile: o.profile,
    actors: o.actors,
    vendorRoles: [o.victim],
    run: o.run,
  };
}

// --- enrolment and recovery (K1, K2, M5) ---

const ENROL_ATTACKS = [
  ['own-certificate-other-key', 'enrol-certificate-for-another-key'],
  ['own-certificate-other-ca', 'enrol-certificate-from-another-ca'],
  ['server-key-swap', 'enrol-server-key-swapped'],
  ['drop-capability', 'enrol-capability-dropped'],
  ['capability-1x-only', 'enrol-capability-downgraded'],
] as const satisfies ReadonlyArray<readonly [AttackName, string]>;

const enrolChecks = ENROL_ATTACKS.map(([attack, slug]) =>
  check(attack, {
    slug,
    title: 'enrolment is refused, no private key is uploaded, and the device stays unenrolled',
    profile: 'client-identity',
    actors: ['alice'],
    victim: 'alice',
    async run(ctx) {
      const alice = await ctx.actor('alice');
      await mount(ctx, {
        attack,
        victim: alice,
        // Only the first contact is in scope here (the device has pinned nothing).
        codes: attack === 'server-key-swap' ? ['CERT_UNTRUSTED'] : ATTACKS[attack].expect,
        act: () => alice.call('identity.enroll', {}),
        serverUnchanged: false,
        retry: false,
      });
      await expectNoPrivateKeyStored(ctx, alice);
      const status = await alice.call('identity.status', {});
      if (status.enrolled)
        throw new CheckFailure('the device reports enrolled after a refused enrolment');
    },
  }),
);

const recoverOtherKey = check('own-certificate-other-key-lookup', {
  slug: 'recover-certificate-for-another-key',
  title: 'recovery on a new device is refused when the server answers another key',
  profile: 'client-identity',
  actors: ['alice'],
  victim: 'alice',
  async run(ctx) {
    const first = await ctx.newDevice('alice', 'reference');
    await first.call('identity.enroll', {});
    const second = await ctx.newDevice('alice');
    await mount(ctx, {
      attack: 'own-certificate-other-key-lookup',
      victim: second,
      act: () => second.call('identity.recover', { mnemonic: ctx.mnemonicOf('alice') }),
    });
  },
});

// --- sharing: the recipient's key (K2) ---

const shareKeySubstituted = check('member-certificate-other-key', {
  slug: 'share-recipient-key-substituted',
  title:
    "sharing with a pinned user whose key the server substituted is refused; the folder's members are unchanged",
  profile: 'client-sharing',
  actors: ['alice', 'bob'],
  victim: 'alice',
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    // alice pins bob by reading a folder he shared with her.
    const first = ctx.folder('pin');
    await bob.call('folder.create', { path: first });
    await bob.call('share.add', { folder: first, userId: alice.userId });
    await alice.call('sync.refresh', { folder: first });
    const folder = ctx.folder('share');
    await alice.call('folder.create', { path: folder });
    await alice.call('sync.refresh', { folder });
    await mount(ctx, {
      attack: 'member-certificate-other-key',
      victim: alice,
      folder,
      act: () => alice.call('share.add', { folder, userId: bob.userId }),
      // A refused share may create and withdraw the OCS share; the metadata must not change,
      // which the fingerprint (members, key) shows.
      serverUnchanged: false,
    });
  },
});

const shareCertificateOtherUser = check('member-certificate-other-key', {
  slug: 'share-recipient-certificate-for-another-user',
  title: 'sharing is refused when the certificate served for the recipient names another user',
  profile: 'client-sharing',
  actors: ['alice', 'bob'],
  victim: 'alice',
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const folder = ctx.folder('share');
    await alice.call('folder.create', { path: folder });
    await alice.call('sync.refresh', { folder });
    await mount(ctx, {
      attack: 'member-certificate-other-key',
      victim: alice,
      folder,
      params: { user: bob.userId, cn: `${bob.userId}-impostor` },
      codes: ['CERT_USER_MISMATCH'],
      act: () => alice.call('share.add', { folder, userId: bob.userId }),
      serverUnchanged: false,
    });
  },
});

// --- the suite reader (spec/17, "Recorded runs of failing attacks") ---

/**
 * Makes the suite reader a member of `folder` through its owner (E2EE-CONF-540), so that the run
 * can be recorded; a vendor's client does so only when it claims client-sharing. Returns the
 * recording option for `mount`, or undefined (noted) when the reader could not be added: the
 * check then runs as it would without a recording.
 */
async function withSuiteReader(
  ctx: ClientCheckContext,
  owner: ClientActor,
  folder: string,
  readFirst: boolean,
): Promise<{ readFirst: boolean } | undefined> {
  if (owner.kind === 'vendor' && !ctx.claims.includes('client-sharing')) {
    ctx.note('no recorded run: the owner does not claim client-sharing to add the suite reader');
    return undefined;
  }
  try {
    const reader = await ctx.suiteReader();
    await owner.call('share.add', { folder, userId: reader.userId });
    return { readFirst };
  } catch (e) {
    if (ctx.signal.aborted || !(e instanceof Error)) throw e;
    ctx.note(`no recorded run: the suite reader could not be added (${e.message})`);
    return undefined;
  }
}

// --- a folder's documents, read by its owner (client-core) ---

/** The owner's folder with two files and two sub-folders (and the suite reader), synced once. */
async function ownFolder(ctx: ClientCheckContext): Promise<{
  alice: ClientActor;
  folder: string;
  record: { readFirst: boolean } | undefined;
}> {
  const alice = await ctx.enrolled('alice');
  const folder = ctx.folder('own');
  await alice.call('folder.create', { path: folder });
  await alice.call('folder.create', { path: `${folder}/s1` });
  await alice.call('folder.create', { path: `${folder}/s2` });
  // Long enough that half a body still holds more than a tag.
  await alice.upload(folder, 'a.txt', randomBytes(96));
  await alice.upload(folder, 'b.txt', randomBytes(96));
  const record = await withSuiteReader(ctx, alice, folder, true);
  await alice.call('sync.refresh', { folder });
  return { alice, folder, record };
}

/** `record` as a spread for `mount` (absent when there is nothing to record). */
const recordIf = (record: { readFirst: boolean } | undefined) => (record ? { record } : {});

const OWNER_DOCUMENT_ATTACKS = [
  ['strip-signature', 'signature-stripped'],
  ['flip-metadata-byte', 'metadata-byte-flipped'],
  ['flip-signature-byte', 'signature-byte-flipped'],
  ['zero-wrapped-key', 'wrapped-key-zero'],
  ['repeated-byte-wrapped-key', 'wrapped-key-repeated-byte'],
  ['member-certificate-in-document', 'member-certificate-substituted-in-document'],
  ['replace-users', 'users-replaced'],
  ['inject-member', 'member-injected'],
  ['resign-as-minted-signer', 'resigned-by-minted-signer'],
  ['resign-as-minted-member', 'resigned-by-minted-member'],
  ['v1-document', 'legacy-document-for-2x-folder'],
  ['delete-metadata', 'metadata-deleted'],
  ['delete-folder', 'folder-deleted'],
  ['subfolder-swap', 'subfolder-documents-swapped'],
] as const satisfies ReadonlyArray<readonly [AttackName, string]>;

const ownerDocumentChecks = OWNER_DOCUMENT_ATTACKS.map(([attack, slug]) =>
  check(attack, {
    slug,
    title: 'refreshing the folder is refused; trust state and server unchanged',
    profile: 'client-core',
    actors: ['alice'],
    victim: 'alice',
    async run(ctx) {
      const { alice, folder, record } = await ownFolder(ctx);
      await mount(ctx, {
        attack,
        victim: alice,
        folder,
        act: () => alice.call('sync.refresh', { folder }),
        ...recordIf(record),
      });
    },
  }),
);

const rollback = check('counter-rollback', {
  slug: 'counter-rolled-back',
  title: 'after a newer version was seen, the previous correctly signed document is refused',
  profile: 'client-core',
  actors: ['alice'],
  victim: 'alice',
  async run(ctx) {
    const { alice, folder, record } = await ownFolder(ctx);
    await alice.upload(folder, 'c.txt', randomBytes(32));
    await alice.call('sync.refresh', { folder });
    await mount(ctx, {
      attack: 'counter-rollback',
      victim: alice,
      folder,
      act: () => alice.call('sync.refresh', { folder }),
      ...recordIf(record),
    });
  },
});

const FILE_ATTACKS = [
  ['flip-file-byte', 'file-body-byte-flipped'],
  ['flip-file-tag', 'file-tag-flipped'],
  ['truncate-file', 'file-truncated'],
  ['splice-file', 'file-spliced'],
] as const satisfies ReadonlyArray<readonly [AttackName, string]>;

const fileChecks = FILE_ATTACKS.map(([attack, slug]) =>
  check(attack, {
    slug,
    title: 'the download is refused and releases no plaintext',
    profile: 'client-core',
    actors: ['alice'],
    victim: 'alice',
    async run(ctx) {
      const { alice, folder, record } = await ownFolder(ctx);
      await mount(ctx, {
        attack,
        victim: alice,
        folder,
        act: () => alice.download(folder, 'a.txt'),
        ...recordIf(record),
      });
    },
  }),
);

// --- shared folders: a member's view (client-sharing) ---

const memberDropped = check('drop-member', {
  slug: 'member-dropped',
  title: 'a member removed from the users list without a new signature is refused',
  profile: 'client-sharing',
  actors: ['alice', 'bob'],
  victim: 'bob',
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const folder = ctx.folder('shared');
    await alice.call('folder.create', { path: folder });
    // The reader joins before bob: the attack drops the last users entry, bob's.
    const record = await withSuiteReader(ctx, alice, folder, true);
    await alice.call('share.add', { folder, userId: bob.userId });
    await bob.call('sync.refresh', { folder });
    await mount(ctx, {
      attack: 'drop-member',
      victim: bob,
      folder,
      act: () => bob.call('sync.refresh', { folder }),
      ...recordIf(record),
    });
  },
});

/** alice shares with bob and carol; carol syncs; alice removes bob; carol syncs again. */
async function afterRemoval(ctx: ClientCheckContext) {
  const alice = await ctx.enrolled('alice');
  const bob = await ctx.enrolled('bob');
  const carol = await ctx.enrolled('carol');
  const folder = ctx.folder('team');
  await alice.call('folder.create', { path: folder });
  await alice.call('share.add', { folder, userId: bob.userId });
  await alice.call('share.add', { folder, userId: carol.userId });
  const record = await withSuiteReader(ctx, alice, folder, true);
  await carol.call('sync.refresh', { folder });
  await alice.call('share.remove', { folder, userId: bob.userId });
  await carol.call('sync.refresh', { folder });
  return { bob, carol, folder, record };
}

const removalChecks = (
  [
    ['hide-removal', 'removal-hidden'],
    ['readd-removed-member', 'removed-member-readded'],
  ] as const satisfies ReadonlyArray<readonly [AttackName, string]>
).map(([attack, slug]) =>
  check(attack, {
    slug,
    title: 'a member who saw the removal refuses the document that undoes it',
    profile: 'client-sharing',
    actors: ['alice', 'bob', 'carol'],
    victim: 'carol',
    async run(ctx) {
      const { bob, carol, folder, record } = await afterRemoval(ctx);
      await mount(ctx, {
        attack,
        victim: carol,
        folder,
        params: { user: bob.userId },
        act: () => carol.call('sync.refresh', { folder }),
        ...recordIf(record),
      });
    },
  }),
);

// --- filedrop: the list an uploader encrypts to (K4, E2EE-SHARE-809) ---

const filedropInjected = check('inject-member', {
  slug: 'filedrop-recipient-injected',
  title: 'an uploader refuses a recipient the server added, and uploads nothing',
  profile: 'client-filedrop',
  actors: ['alice', 'bob', 'carol'],
  victim: 'carol',
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const carol = await ctx.enrolled('carol');
    const folder = ctx.folder('drop');
    await alice.call('folder.create', { path: folder });
    await alice.call('share.add', { folder, userId: bob.userId });
    // carol reaches the folder through an OCS share without being a member: an uploader.
    await e2ee.createUserShare(
      {
        account: {
          baseUrl: ctx.server.baseUrl,
          userId: alice.userId,
          password: ctx.passwordOf('alice'),
        },
      },
      folder,
      carol.userId,
    );
    await mount(ctx, {
      attack: 'inject-member',
      victim: carol,
      act: () => carol.drop(folder, 'dropped.txt', randomBytes(64)),
    });
  },
});

// --- a member's first open: pins and the CA (K2, E2EE-META-805, E2EE-META-807) ---

/** alice (reference) shares a folder with bob (the victim), who has not opened it yet. */
async function sharedUnopened(ctx: ClientCheckContext, pinFirst: boolean) {
  const alice = await ctx.enrolled('alice');
  const bob = await ctx.enrolled('bob');
  if (pinFirst) {
    // bob pins alice by opening another folder she shared with him.
    const first = ctx.folder('pin');
    await alice.call('folder.create', { path: first });
    await alice.call('share.add', { folder: first, userId: bob.userId });
    await bob.call('sync.refresh', { folder: first });
  }
  const folder = ctx.folder('unopened');
  await alice.call('folder.create', { path: folder });
  await alice.call('share.add', { folder, userId: bob.userId });
  return { alice, bob, folder };
}

const resignedFirstOpen = check('resign-as-minted-signer', {
  slug: 'resigned-by-minted-signer-first-open',
  title:
    'a folder opened for the first time, signed with a re-minted key for a pinned user, is KEY_CHANGED',
  profile: 'client-sharing',
  actors: ['alice', 'bob'],
  victim: 'bob',
  async run(ctx) {
    const { bob, folder } = await sharedUnopened(ctx, true);
    await mount(ctx, {
      attack: 'resign-as-minted-signer',
      victim: bob,
      folder,
      codes: ['KEY_CHANGED'],
      act: () => bob.call('sync.refresh', { folder }),
    });
  },
});

const otherCaFirstOpen = check('resign-under-other-ca', {
  slug: 'signer-certificate-from-another-ca',
  title: 'a folder signed with a certificate another CA issued is refused on a first open',
  profile: 'client-sharing',
  actors: ['alice', 'bob'],
  victim: 'bob',
  async run(ctx) {
    const { alice, bob, folder } = await sharedUnopened(ctx, false);
    // A first open: the reader, like bob, has read nothing of the folder before the attack.
    const record = await withSuiteReader(ctx, alice, folder, false);
    await mount(ctx, {
      attack: 'resign-under-other-ca',
      victim: bob,
      folder,
      act: () => bob.call('sync.refresh', { folder }),
      ...recordIf(record),
    });
  },
});

/** alice (reference) owns a drop folder shared with bob; carol reaches it as an uploader. */
async function dropFolder(ctx: ClientCheckContext) {
  const alice = await ctx.enrolled('alice');
  const bob = await ctx.enrolled('bob');
  const carol = await ctx.enrolled('carol');
  const folder = ctx.folder('drop');
  await alice.call('folder.create', { path: folder });
  await alice.call('share.add', { folder, userId: bob.userId });
  await e2ee.createUserShare(
    {
      account: {
        baseUrl: ctx.server.baseUrl,
        userId: alice.userId,
        password: ctx.passwordOf('alice'),
      },
    },
    folder,
    carol.userId,
  );
  return { bob, carol, folder };
}

const filedropPinned = check('resign-as-minted-signer', {
  slug: 'filedrop-owner-key-substituted',
  title: "an uploader that dropped before refuses the owner's re-minted key, and uploads nothing",
  profile: 'client-filedrop',
  actors: ['alice', 'bob', 'carol'],
  victim: 'carol',
  async run(ctx) {
    const { carol, folder } = await dropFolder(ctx);
    await carol.drop(folder, 'first.txt', randomBytes(32));
    await mount(ctx, {
      attack: 'resign-as-minted-signer',
      victim: carol,
      codes: ['KEY_CHANGED'],
      act: () => carol.drop(folder, 'second.txt', randomBytes(32)),
    });
  },
});

const filedropMember = check('resign-as-minted-member', {
  slug: 'filedrop-signed-by-non-member',
  title: 'a member who verified the folder refuses to drop into a document a non-member signed',
  profile: 'client-filedrop',
  actors: ['alice', 'bob', 'carol'],
  victim: 'bob',
  async run(ctx) {
    const { bob, folder } = await dropFolder(ctx);
    await bob.call('sync.refresh', { folder });
    await mount(ctx, {
      attack: 'resign-as-minted-member',
      victim: bob,
      act: () => bob.drop(folder, 'dropped.txt', randomBytes(32)),
    });
  },
});

// --- what no refusal shows: rotation on removal (R1) and fresh keys and nonces (C3) ---

const removalRotates: ClientCheck = {
  id: 'adversarial/removal-rotates-metadata-key',
  title:
    'removing a member rotates the metadata key: a remaining member sees a new key, without the removed one',
  requirements: ['E2EE-SHARE-021', 'E2EE-SHARE-023', 'E2EE-CONF-455'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-sharing',
  actors: ['alice', 'bob', 'carol'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const carol = await ctx.enrolled('carol');
    const folder = ctx.folder('rotate');
    await alice.call('folder.create', { path: folder });
    await alice.call('share.add', { folder, userId: bob.userId });
    await alice.call('share.add', { folder, userId: carol.userId });
    const observer = await memberDevice(ctx, 'carol', carol);
    const before = await viewOf(observer, folder);
    await alice.call('share.remove', { folder, userId: bob.userId });
    await alice.upload(folder, 'after-removal.txt', randomBytes(48));
    const after = await viewOf(observer, folder);
    ctx.note(`members before ${before.members.join(',')}, after ${after.members.join(',')}`);
    if (after.members.includes(bob.userId))
      throw new CheckFailure('the removed member is still listed after share.remove');
    if (after.metadataKeySha256 === before.metadataKeySha256)
      throw new CheckFailure(
        'the metadata key did not change when a member was removed: the removed member still reads every new file',
      );
  },
};

const freshKeysAndNonces: ClientCheck = {
  id: 'adversarial/fresh-keys-and-nonces',
  title: 'every file gets its own key and nonce and every metadata version its own nonce',
  requirements: ['E2EE-FILE-001', 'E2EE-FILE-002', 'E2EE-META-032', 'E2EE-CONF-455'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-sharing',
  actors: ['alice', 'bob'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const folder = ctx.folder('fresh');
    await alice.call('folder.create', { path: folder });
    await alice.call('share.add', { folder, userId: bob.userId });
    const observer = await memberDevice(ctx, 'bob', bob);
    const { rootId } = await viewOf(observer, folder);
    const nonces = [await storedNonce(observer, rootId)];
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      await alice.upload(folder, name, randomBytes(40));
      nonces.push(await storedNonce(observer, rootId));
    }
    const view = await viewOf(observer, folder);
    for (const [what, values] of [
      ['file key', view.fileKeys],
      ['file nonce', view.fileNonces],
      ['metadata nonce', nonces],
    ] as const) {
      if (repeated(values).length > 0)
        throw new CheckFailure(`a ${what} was used twice`, { actual: `${values.length} values` });
    }
  },
};

const objectIdsRandom: ClientCheck = {
  id: 'adversarial/object-ids-random',
  title:
    'the server-side names of files and folders are random ids, unrelated to the names and to each other',
  requirements: ['E2EE-FILE-009', 'E2EE-CONF-455'],
  level: 'MUST',
  importance: 'high',
  profile: 'client-core',
  actors: ['alice'],
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const folder = ctx.folder('names');
    await alice.call('folder.create', { path: folder });
    await alice.call('folder.create', { path: `${folder}/sub` });
    for (const name of ['a.txt', 'b.txt', 'c.txt'])
      await alice.upload(folder, name, randomBytes(8));
    // What the server sees: the names below the folder (alice's own view over WebDAV).
    const entries = await webdav.propfind(
      {
        account: {
          baseUrl: ctx.server.baseUrl,
          userId: alice.userId,
          password: ctx.passwordOf('alice'),
        },
      },
      folder,
      1,
    );
    const ids = entries.slice(1).map((e) => e.path.split('/').pop()!);
    ctx.note(`server-side names: ${ids.length}`);
    if (ids.length !== 4)
      throw new CheckFailure('expected 4 objects in the folder', { actual: ids.length });
    for (const id of ids) {
      if (!/^[0-9a-f]{32}$/.test(id))
        throw new CheckFailure('a server-side name is not a 32-hex-digit id', { actual: id });
    }
    // Random 128-bit ids share a prefix of 8 hex digits with probability about 4e-9 per pair.
    for (const [i, a] of ids.entries())
      for (const b of ids.slice(i + 1))
        if (a.slice(0, 8) === b.slice(0, 8))
          throw new CheckFailure(
            'two server-side names share their first 8 hex digits: not random',
            {
              actual: [a, b],
            },
          );
  },
};

/** Every adversarial check, in run order. */
export const ADVERSARIAL_CHECKS: readonly ClientCheck[] = [
  ...enrolChecks,
  recoverOtherKey,
  shareKeySubstituted,
  shareCertificateOtherUser,
  ...ownerDocumentChecks,
  rollback,
  ...fileChecks,
  memberDropped,
  resignedFirstOpen,
  otherCaFirstOpen,
  ...removalChecks,
  filedropInjected,
  filedropPinned,
  filedropMember,
  removalRotates,
  freshKeysAndNonces,
  objectIdsRandom,
  unsignedStatementRefused,
];
