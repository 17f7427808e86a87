/**
 * The one read pipeline (reference/src/folders/read.ts): the order of its checks, that nothing
 * is persisted unless the whole read is accepted, where a sub-folder document is bound to its
 * folder and where it is not, implausible counters, and the fork limit with its witness hook.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acceptFolder,
  addFile,
  createFolder,
  createSubfolder,
  readDocument,
  readFolderTree,
  renameFile,
  verifyRootWithoutDecrypting,
  type FolderHead,
  type FolderState,
  type ReadFolderTreeInput,
  type TrustState,
} from '../../src/folders/index.js';
import { addMember, verifiedFiledropRecipients } from '../../src/sharing/index.js';
import { MemoryPinStore, parseCertificate, pinCertificate } from '../../src/certs/index.js';
import {
  encryptMetadata,
  highWaterKey,
  MAX_COUNTER,
  MAX_COUNTER_STEP,
  nextInner,
  parseMetadataDocumentV2,
  stateOfWritten,
} from '../../src/metadata/index.js';
import { MemoryStateStore } from '../../src/state/index.js';
import { signMetadata, verifyMetadataSignature } from '../../src/signature/index.js';
import { makeIdentity, makeServerKey, type Identity } from '../_support/identities.js';
import { ctxOf, makeWorld, ServerStore, type World } from '../sharing/_world.js';

const ROOT = 'aaaabbbbccccddddeeeeffff00001111';
let world: World;
let alice: ReturnType<typeof ctxOf>;
let bobElsewhere: Identity;
let rogueBob: Identity;
let rogueServer: ReturnType<typeof makeServerKey>;

beforeAll(async () => {
  world = await makeWorld(['alice', 'bob', 'carol', 'dave']);
  alice = ctxOf(world.users.alice!);
  // Another key for bob, certified by the same server (what a malicious CA mints).
  bobElsewhere = await makeIdentity('bob', world.server);
  // A certificate for bob from a key that is not the pinned server key.
  rogueServer = makeServerKey();
  rogueBob = await makeIdentity('bob', rogueServer);
});

function trust(): TrustState & { pins: MemoryPinStore; marks: MemoryStateStore } {
  return {
    serverPublicKey: world.server.spkiDer,
    pins: new MemoryPinStore(),
    marks: new MemoryStateStore(),
  };
}

function input(server: ServerStore, userId = 'alice'): ReadFolderTreeInput {
  return {
    rootId: ROOT,
    root: server.docs.get(ROOT)!,
    subfolders: server.subfolders(ROOT),
    userId,
    privateKey: world.users[userId]!.pkcs8,
  };
}

async function fresh(): Promise<{ state: FolderState; server: ServerStore }> {
  const server = new ServerStore();
  const c = await createFolder(alice, ROOT);
  server.record(c);
  return { state: c.state, server };
}

/** A folder shared with carol and then bob (users listed alice, carol, bob). */
async function shared(bob: Identity = world.users.bob!, serverKey = world.server.spkiDer) {
  const { state, server } = await fresh();
  const pins = new MemoryPinStore();
  const c = await addMember(
    state,
    alice,
    { userId: 'carol', certificate: world.users.carol!.certPem },
    { serverPublicKey: world.server.spkiDer, pins },
  );
  server.record(c);
  const b = await addMember(
    c.state,
    alice,
    { userId: 'bob', certificate: bob.certPem },
    { serverPublicKey: serverKey, pins },
  );
  server.record(b);
  return { state: b.state, server };
}

/** A root with two sub-folders S1 (holding one file) and S2. */
async function twoSubfolders() {
  const { state, server } = await fresh();
  const s1 = await createSubfolder(state, alice, { parentId: ROOT, name: 'one' });
  server.record(s1);
  const s2 = await createSubfolder(s1.state, alice, { parentId: ROOT, name: 'two' });
  server.record(s2);
  const f = await addFile(s2.state, alice, {
    folderId: s1.folderId,
    filename: 'in-one.txt',
    content: new Uint8Array([1]),
  });
  server.record(f);
  return { state: f.state, server, s1: s1.folderId, s2: s2.folderId, fileId: f.fileId };
}

const userPins = async (t: ReturnType<typeof trust>) =>
  (await t.pins.get('user:alice')) === undefined && (await t.pins.get('user:carol')) === undefined;

describe('read pipeline: check order (E2EE-META-040)', () => {
  it('E2EE-META-040: a document that does not parse and has no signature is METADATA_MALFORMED', async () => {
    const { server } = await fresh();
    const t = trust();
    await expect(
      readFolderTree(
        { ...input(server), root: { document: '{"version":', signature: undefined } },
        t,
      ),
    ).rejects.toMatchObject({ code: 'METADATA_MALFORMED' });
    await expect(
      readFolderTree(
        { ...input(server), root: { ...server.docs.get(ROOT)!, signature: undefined } },
        t,
      ),
    ).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });
  });

  it('E2EE-META-040: E2EE-META-120: the signature module also parses the document before it asks for a signature', async () => {
    await expect(
      verifyMetadataSignature({ outer: '{"version":', signature: undefined, members: [] }),
    ).rejects.toMatchObject({ code: 'METADATA_MALFORMED' });
    await expect(
      verifyMetadataSignature({ outer: '{"version":"2.0"}', signature: '', members: [] }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });
  });

  it('E2EE-META-040: a wrong signature on a document with an untrusted member certificate is SIGNATURE_INVALID', async () => {
    const { server } = await shared(rogueBob, rogueServer.spkiDer);
    const earlier = new ServerStore();
    earlier.record(await createFolder(alice, ROOT));
    const root = server.docs.get(ROOT)!;
    const wrongSignature = { ...root, signature: earlier.docs.get(ROOT)!.signature };
    await expect(
      readFolderTree({ ...input(server), root: wrongSignature }, trust()),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    // Both faults are there: with the right signature the certificate is refused.
    await expect(readFolderTree(input(server), trust())).rejects.toMatchObject({
      code: 'CERT_UNTRUSTED',
    });
  });

  it("E2EE-META-806: a root document signed by a member whose bob entry holds carol's certificate is CERT_USER_MISMATCH", async () => {
    const { server } = await shared();
    const root = server.docs.get(ROOT)!;
    const outer = JSON.parse(root.document) as { users: { userId: string; certificate: string }[] };
    const bobEntry = outer.users.find((u) => u.userId === 'bob')!;
    bobEntry.certificate = world.users.carol!.certPem;
    const text = JSON.stringify(outer);
    const signature = await signMetadata({
      outer: text,
      signerCertificate: alice.signer.certificate,
      signerPrivateKey: alice.signer.privateKey,
    });
    const forged = new ServerStore();
    forged.docs.set(ROOT, { document: text, signature });
    await expect(readFolderTree(input(forged), trust())).rejects.toMatchObject({
      code: 'CERT_USER_MISMATCH',
    });
    // The untouched document reads.
    await expect(readFolderTree(input(server), trust())).resolves.toBeDefined();
  });

  it('E2EE-META-040: a reader without an entry in a document with an untrusted certificate gets METADATA_KEY_MISSING', async () => {
    const { server } = await shared(rogueBob, rogueServer.spkiDer);
    await expect(readFolderTree(input(server, 'dave'), trust())).rejects.toMatchObject({
      code: 'METADATA_KEY_MISSING',
    });
    await expect(readFolderTree(input(server), trust())).rejects.toMatchObject({
      code: 'CERT_UNTRUSTED',
    });
  });

  it('E2EE-META-040: E2EE-META-807: a changed key and a rolled-back counter together are KEY_CHANGED', async () => {
    const { server } = await shared();
    const t = trust();
    await pinCertificate(t.pins, 'bob', parseCertificate(bobElsewhere.certPem));
    await t.marks.set(highWaterKey(ROOT), {
      version: '2.0',
      counter: 99,
      keyChecksums: [],
      digest: '0'.repeat(64),
    });
    await expect(readFolderTree(input(server), t)).rejects.toMatchObject({ code: 'KEY_CHANGED' });
    const unpinned = { ...t, pins: new MemoryPinStore() };
    await expect(readFolderTree(input(server), unpinned)).rejects.toMatchObject({
      code: 'COUNTER_ROLLBACK',
    });
  });

  it('E2EE-META-040: E2EE-SHARE-040: a misplaced sub-folder document that is also rolled back is METADATA_MISPLACED', async () => {
    const { server, s1, s2 } = await twoSubfolders();
    const t = trust();
    await acceptFolder(input(server), t);
    // S2 (counter 1) is served S1's document (counter 2) and S1 keeps its own: the nonce
    // repeats. With a mark of 5 for S2 the freshness check would refuse it too.
    await t.marks.set(highWaterKey(s2), {
      version: '2.0',
      counter: 5,
      keyChecksums: [],
      digest: '0'.repeat(64),
    });
    const subs = { ...server.subfolders(ROOT), [s2]: server.docs.get(s1)! };
    await expect(readFolderTree({ ...input(server), subfolders: subs }, t)).rejects.toMatchObject({
      code: 'METADATA_MISPLACED',
    });
  });
});

describe('read pipeline: trust state only after the whole read (E2EE-META-074)', () => {
  it('E2EE-META-074: KEY_CHANGED for the last member leaves the earlier first-seen members unpinned and no mark', async () => {
    const { server } = await shared();
    const t = trust();
    await pinCertificate(t.pins, 'bob', parseCertificate(bobElsewhere.certPem));
    await expect(acceptFolder(input(server), t)).rejects.toMatchObject({ code: 'KEY_CHANGED' });
    expect(await userPins(t)).toBe(true);
    expect(await t.marks.keys()).toEqual([]);
    // The same read with bob's real key pinned pins alice and carol and marks the root.
    const ok = trust();
    await pinCertificate(ok.pins, 'bob', parseCertificate(world.users.bob!.certPem));
    await acceptFolder(input(server), ok);
    expect(await userPins(ok)).toBe(false);
    expect(await ok.marks.keys()).toEqual([highWaterKey(ROOT)]);
  });

  it('E2EE-META-074: a sub-folder refused after an accepted root leaves no pin and no mark', async () => {
    const { server, s1, s2 } = await twoSubfolders();
    const t = trust();
    const subs = {
      ...server.subfolders(ROOT),
      [s2]: { ...server.docs.get(s2)!, signature: server.docs.get(s1)!.signature },
    };
    await expect(acceptFolder({ ...input(server), subfolders: subs }, t)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    expect(await t.pins.get('user:alice')).toBeUndefined();
    expect(await t.marks.keys()).toEqual([]);
  });
});

describe('read pipeline: a sub-folder document and its folder (E2EE-SHARE-040..042)', () => {
  it('E2EE-SHARE-040: one document served for two sub-folders in one read is METADATA_MISPLACED', async () => {
    const { server, s1, s2 } = await twoSubfolders();
    const subs = { ...server.subfolders(ROOT), [s2]: server.docs.get(s1)! };
    await expect(
      readFolderTree({ ...input(server), subfolders: subs }, trust()),
    ).rejects.toMatchObject({ code: 'METADATA_MISPLACED' });
  });

  it('E2EE-SHARE-040: a device that read both sub-folders refuses them swapped', async () => {
    const { server, s1, s2 } = await twoSubfolders();
    const t = trust();
    await acceptFolder(input(server), t);
    const swapped = {
      ...server.subfolders(ROOT),
      [s1]: server.docs.get(s2)!,
      [s2]: server.docs.get(s1)!,
    };
    await expect(acceptFolder({ ...input(server), subfolders: swapped }, t)).rejects.toMatchObject({
      code: 'METADATA_MISPLACED',
    });
  });

  it('E2EE-SHARE-042: limit: a device without marks accepts the two sub-folder documents swapped', async () => {
    const { server, s1, s2, fileId } = await twoSubfolders();
    const swapped = {
      ...server.subfolders(ROOT),
      [s1]: server.docs.get(s2)!,
      [s2]: server.docs.get(s1)!,
    };
    const read = await acceptFolder({ ...input(server), subfolders: swapped }, trust());
    // Exactly the limit the spec states: S2 now shows S1's file.
    expect(Object.keys(read.state.docs[s2]!.files)).toEqual([fileId]);
    expect(read.state.docs[s1]!.files).toEqual({});
  });

  it('E2EE-SHARE-040: an older document of S1 served as S2 beside the current one lists a file twice: METADATA_MISPLACED', async () => {
    const { state, server, s1, s2, fileId } = await twoSubfolders();
    const older = server.docs.get(s1)!;
    const r = await renameFile(state, alice, { fileId, filename: 'renamed.txt' });
    server.record(r);
    const subs = { ...server.subfolders(ROOT), [s2]: older };
    await expect(
      readFolderTree({ ...input(server), subfolders: subs }, trust()),
    ).rejects.toMatchObject({ code: 'METADATA_MISPLACED' });
  });

  it('E2EE-SHARE-041: a sub-folder whose server path is not under its listed parent is METADATA_MISPLACED', async () => {
    const { server, s1, s2 } = await twoSubfolders();
    const good = { [ROOT]: 'top', [s1]: `top/${s1}`, [s2]: `/top/${s2}/` };
    await expect(readFolderTree({ ...input(server), paths: good }, trust())).resolves.toBeDefined();
    const moved = { ...good, [s2]: `top/${s1}/${s2}` };
    await expect(readFolderTree({ ...input(server), paths: moved }, trust())).rejects.toMatchObject(
      { code: 'METADATA_MISPLACED' },
    );
    const renamed = { ...good, [s2]: `top/${s1}` };
    await expect(
      readFolderTree({ ...input(server), paths: renamed }, trust()),
    ).rejects.toMatchObject({ code: 'METADATA_MISPLACED' });
  });
});

describe('read pipeline: implausible counters (E2EE-META-073)', () => {
  /** The folder rewritten by alice with the root counter set to `counter` - 1 first. */
  async function atCounter(state: FolderState, counter: number) {
    const forged: FolderState = {
      ...state,
      docs: { ...state.docs, [ROOT]: { ...state.docs[ROOT]!, counter: counter - 1 } },
    };
    const server = new ServerStore();
    server.record(
      await addFile(forged, alice, { folderId: ROOT, filename: 'x', content: new Uint8Array(1) }),
    );
    return server;
  }

  it('E2EE-META-073: a jump of more than 2^20 over the mark is COUNTER_IMPLAUSIBLE; 2^20 is accepted', async () => {
    const { state, server } = await fresh();
    const t = trust();
    await acceptFolder(input(server), t);
    const far = await atCounter(state, 1 + MAX_COUNTER_STEP + 1);
    await expect(acceptFolder(input(far), t)).rejects.toMatchObject({
      code: 'COUNTER_IMPLAUSIBLE',
    });
    const near = await atCounter(state, 1 + MAX_COUNTER_STEP);
    await expect(acceptFolder(input(near), t)).resolves.toBeDefined();
  });

  it('E2EE-META-073: a counter above 2^31 - 1 is refused on first sight, and never written', async () => {
    const { state } = await fresh();
    // No writer produces it (nextInner refuses, below): forge it as a malicious member would.
    const { text } = encryptMetadata({
      inner: { ...state.docs[ROOT]!, counter: MAX_COUNTER + 1 },
      metadataKey: state.metadataKey,
      users: state.members,
    });
    const signature = await signMetadata({
      outer: text,
      signerCertificate: alice.signer.certificate,
      signerPrivateKey: alice.signer.privateKey,
    });
    const forged = new ServerStore();
    forged.docs.set(ROOT, { document: text, signature });
    await expect(acceptFolder(input(forged), trust())).rejects.toMatchObject({
      code: 'COUNTER_IMPLAUSIBLE',
    });
    await expect(
      acceptFolder(input(await atCounter(state, MAX_COUNTER)), trust()),
    ).resolves.toBeDefined();
    expect(() => nextInner({ ...state.docs[ROOT]!, counter: MAX_COUNTER })).toThrow(
      expect.objectContaining({ code: 'COUNTER_IMPLAUSIBLE' }),
    );
  });
});

describe('read pipeline: forks (E2EE-META-076)', () => {
  it('E2EE-META-076: a branch at the counter this client wrote is refused; one commit ahead it is accepted (limit)', async () => {
    const { state, server } = await shared();
    const bob = ctxOf(world.users.bob!);
    // Alice commits F on her branch and reads it back (her write is her mark).
    const mine = new ServerStore();
    mine.docs = new Map(server.docs);
    mine.record(
      await addFile(state, alice, { folderId: ROOT, filename: 'F', content: new Uint8Array(1) }),
    );
    const t = trust();
    await acceptFolder(input(mine), t);
    // The server forks from the state before Alice's commit and lets bob write twice.
    const theirs = new ServerStore();
    theirs.docs = new Map(server.docs);
    const g = await addFile(state, bob, {
      folderId: ROOT,
      filename: 'G',
      content: new Uint8Array(1),
    });
    theirs.record(g);
    await expect(acceptFolder(input(theirs), t)).rejects.toMatchObject({
      code: 'COUNTER_ROLLBACK',
    });
    theirs.record(
      await addFile(g.state, bob, { folderId: ROOT, filename: 'H', content: new Uint8Array(1) }),
    );
    const ahead = await acceptFolder(input(theirs), t);
    const names = Object.values(ahead.state.docs[ROOT]!.files).map((f) => f.filename);
    expect(names.sort()).toEqual(['G', 'H']); // F vanished: exactly the limit the spec states
  });

  it('E2EE-META-076: the fork witness sees every head before the commit and can refuse the read', async () => {
    const { server, s1, s2 } = await twoSubfolders();
    const seen: FolderHead[][] = [];
    const t = {
      ...trust(),
      witness: { witness: async (h: readonly FolderHead[]) => void seen.push([...h]) },
    };
    await acceptFolder(input(server), t);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.map((h) => h.folderId).sort()).toEqual([ROOT, s1, s2].sort());
    expect(seen[0]!.find((h) => h.folderId === ROOT)!.mark.counter).toBe(3);
    const refusing = {
      ...trust(),
      witness: {
        witness: async () => {
          throw new Error('the log has another head');
        },
      },
    };
    await expect(acceptFolder(input(server), refusing)).rejects.toThrow('another head');
    expect(await refusing.marks.keys()).toEqual([]);
    expect(await refusing.pins.get('user:alice')).toBeUndefined();
  });
});

describe('read pipeline: one freshness mark for reading and writing', () => {
  it('E2EE-API-311: the mark of a written document equals the mark its reader computes', async () => {
    const { server, s1 } = await twoSubfolders();
    const t = trust();
    const read = await readFolderTree(input(server), t);
    for (const d of read.documents) {
      const written = stateOfWritten(
        parseMetadataDocumentV2(server.docs.get(d.folderId)!.document),
        d.decrypted.inner,
      );
      expect(written).toEqual(d.pending.marks[0]!.mark);
    }
    expect(read.documents.map((d) => d.folderId)).toContain(s1);
  });
});

describe('read pipeline: skipped checks are named (E2EE-META-075)', () => {
  it('E2EE-META-075: a skipped check is named in the result; trust state may be missing only for named skips', async () => {
    const { server } = await fresh();
    const doc = {
      folderId: ROOT,
      fetched: server.docs.get(ROOT)!,
      userId: 'alice',
      privateKey: world.users.alice!.pkcs8,
    };
    const r = await readDocument(doc, {}, ['certificates', 'pins', 'freshness']);
    expect([...r.skipped].sort()).toEqual(['certificates', 'freshness', 'pins']);
    expect(r.signer?.signerUserId).toBe('alice');
    await expect(readDocument(doc, {}, ['pins', 'freshness'])).rejects.toThrow(TypeError);
    await expect(readDocument(doc, {}, ['certificates', 'freshness'])).rejects.toThrow(TypeError);
    await expect(
      readDocument(doc, { serverPublicKey: world.server.spkiDer, pins: new MemoryPinStore() }),
    ).rejects.toThrow(TypeError);
    const unsigned = await readDocument(
      { ...doc, fetched: { ...doc.fetched, signature: undefined } },
      {},
      ['signature', 'certificates', 'pins', 'freshness'],
    );
    expect(unsigned.signer).toBeUndefined();
  });
});

describe('read pipeline: a reader who is not a member (E2EE-META-075, E2EE-SHARE-809)', () => {
  const memberRead = (fetched: { document: string; signature: string | undefined }) => ({
    folderId: ROOT,
    fetched,
    userId: 'alice',
    privateKey: world.users.alice!.pkcs8,
  });

  it('E2EE-META-075: verifying without decrypting names "decrypt" and "freshness" as skipped and pins nothing itself; readDocument cannot skip "decrypt"', async () => {
    const { server } = await shared();
    const t = trust();
    const r = await verifyRootWithoutDecrypting({ fetched: server.docs.get(ROOT)! }, t);
    expect([...r.skipped].sort()).toEqual(['decrypt', 'freshness']);
    expect(r.signer?.signerUserId).toBe('alice');
    expect(r.members.map((m) => m.userId)).toEqual(['alice', 'carol', 'bob']);
    expect(r.pending.pins.map((p) => p.identity)).toEqual(['user:alice', 'user:carol', 'user:bob']);
    expect(await userPins(t)).toBe(true);
    await expect(
      readDocument(memberRead(server.docs.get(ROOT)!), t, ['decrypt', 'freshness']),
    ).rejects.toThrow(TypeError);
  });

  it('E2EE-SHARE-809: E2EE-META-040: E2EE-META-074: with two faults in one document the filedrop uploader reports the fault the read pipeline reports, and pins nothing', async () => {
    const earlier = new ServerStore();
    earlier.record(await createFolder(alice, ROOT));
    const untrusted = (await shared(rogueBob, rogueServer.spkiDer)).server.docs.get(ROOT)!;
    const honest = (await shared()).server.docs.get(ROOT)!;
    const pinnedElsewhere = async (userId: string) => {
      const t = trust();
      await pinCertificate(t.pins, userId, parseCertificate(bobElsewhere.certPem));
      return t;
    };
    const carolOnly = [{ userId: 'carol', certificate: world.users.carol!.certPem }];
    const cases = [
      // signature (row 2) before certificates (row 4)
      {
        fetched: { ...untrusted, signature: earlier.docs.get(ROOT)!.signature },
        t: trust(),
        code: 'SIGNATURE_INVALID',
      },
      // certificates before pins (both row 4: every certificate is validated first)
      {
        fetched: untrusted,
        t: await pinnedElsewhere('alice'),
        pinned: 'alice',
        code: 'CERT_UNTRUSTED',
      },
      // the signer of the last verified version (row 2) before pins (row 4)
      {
        fetched: honest,
        t: await pinnedElsewhere('bob'),
        pinned: 'bob',
        previousMembers: carolOnly,
        code: 'SIGNER_NOT_MEMBER',
      },
      // a changed key for the last member: the earlier first-seen members stay unpinned
      { fetched: honest, t: await pinnedElsewhere('bob'), pinned: 'bob', code: 'KEY_CHANGED' },
    ];
    for (const c of cases) {
      const previous = c.previousMembers ? { previousMembers: c.previousMembers } : {};
      await expect(
        readDocument({ ...memberRead(c.fetched), ...previous }, c.t, ['freshness']),
      ).rejects.toMatchObject({ code: c.code });
      await expect(
        verifiedFiledropRecipients({
          document: c.fetched.document,
          signature: c.fetched.signature,
          serverPublicKey: world.server.spkiDer,
          pins: c.t.pins,
          ...previous,
        }),
      ).rejects.toMatchObject({ code: c.code });
      // Nothing was pinned: every member not pinned before the read is still unpinned.
      for (const id of ['alice', 'carol', 'bob'].filter((u) => u !== c.pinned)) {
        expect(await c.t.pins.get(`user:${id}`)).toBeUndefined();
      }
    }
  });

  it('E2EE-SHARE-810: E2EE-SHARE-037: an honest root gives its members as recipients; first-seen keys are pinned after the whole document passed and reported as first contact', async () => {
    const { server } = await shared();
    const t = trust();
    await pinCertificate(t.pins, 'carol', parseCertificate(world.users.carol!.certPem));
    const { document, signature } = server.docs.get(ROOT)!;
    const opts = { document, signature, serverPublicKey: world.server.spkiDer, pins: t.pins };
    const first = await verifiedFiledropRecipients(opts);
    expect(first.members.map((m) => m.userId)).toEqual(['alice', 'carol', 'bob']);
    expect(first.firstContact).toEqual(['alice', 'bob']);
    expect(await t.pins.get('user:bob')).toBeDefined();
    expect((await verifiedFiledropRecipients(opts)).firstContact).toEqual([]);
  });
});
