/**
 * `scenario` (scenarios): passive-client vectors (MLS `active_to_passive` style). An actor with
 * its keys reads a top folder as the server serves it, step after step; after each step the
 * expected state fingerprint (root and sub-folder counters and digests) or the expected rejection
 * (rollback, fork at an equal counter, injected member, removed checksum, substituted
 * certificate, downgrade, swapped sub-folder document, …). The client's persistent state (the
 * high-water marks, the pins, the last verified members) carries over between steps and is left
 * unchanged by a rejected step. A step the actor wrote (`written: true`) is recorded as its marks
 * (E2EE-META-076) instead of being read.
 *
 * @module
 */
import {
  acceptFolderState,
  checkFreshness,
  decryptMetadata,
  loadHighWater,
  parseMetadataDocument,
  stateOfWritten,
  versionOf,
  type DecryptedMetadata,
} from '../../../reference/src/metadata/index.js';
import { decryptFile } from '../../../reference/src/files/index.js';
import { commitTrust, readFolderTree } from '../../../reference/src/folders/index.js';
import { metadataSignedContent } from '../../../reference/src/signature/index.js';
import { acceptUserCertificate, MemoryPinStore } from '../../../reference/src/certs/index.js';
import { MemoryStateStore } from '../../../reference/src/state/index.js';
import { privateKeyFromPem, publicKeyFromPem } from '../../../reference/src/keys/index.js';
import { SealfoldError, isSealfoldError } from '../../../reference/src/errors/index.js';
import { canonicalJson, type JsonObject } from '../../../reference/src/_internal/json.js';
import type { Rng } from '../../../reference/src/_internal/bytes.js';
import { VectorFileBuilder, type Expect, type Note } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, hex, sha256hex, unhex } from '../repr.js';
import { buildDoc, fileEntry, type MemberSpec } from '../metadata-docs.js';
import { buildCms } from '../cms.js';
import { CN, DESKTOP_DN, issue } from '../ca.js';
import { oaepWrapSeeded } from '../oaep.js';
import { world, type Actor, type World } from '../world.js';
import { strictPem, tolerantPems } from '../pem-variants.js';
import type { VectorType } from '../vector-type.js';
import {
  checkAgainstReference,
  committedRuns,
  OWN_PRODUCER,
  PRODUCERS_DIR,
  recordedRunSchema,
  type RecordedRun,
} from '../recorded-run.js';
import { recordRuns } from '../record/runs.js';
import { SUITE_VERSION } from '../envelope.js';

const TYPE = 'scenario';

/** The recorded runs and their schema, written beside the vector files by the last generate(). */
const recordedFiles = new Map<string, Uint8Array>();

/** One served document: its text and its X-NC-E2EE-SIGNATURE. */
export interface Served {
  readonly documentWire: string;
  readonly signatureWire: string;
}

/** What the server serves for the folder at one step. */
export interface Step {
  readonly comment: string;
  readonly root: Served;
  readonly subfolders: Record<string, Served>;
  /** The server key served at this step, when it differs from the scenario's. */
  readonly serverPublicKeyPemWire?: string;
  /** True when the actor wrote (uploaded) these documents at this step instead of reading. */
  readonly written?: true;
  /** Encrypted file bodies the client downloaded after the read, by file id (recorded runs). */
  readonly bodies?: Record<string, { readonly hex: string }>;
}

export interface ScenarioIn {
  readonly userId: string;
  readonly privateKeyPemWire: string;
  readonly serverPublicKeyPemWire: string;
  readonly rootId: string;
  readonly steps: Step[];
}

export type StepExpect =
  | {
      result: 'valid';
      root: { counter: number; digest: string };
      subfolders: Record<string, { counter: number; digest: string }>;
      /** Present when the step served bodies: each body's plaintext by length and hash. */
      files?: Record<string, { length: number; sha256: string }>;
    }
  | { result: 'invalid'; error: string };

// ---------------------------------------------------------------------------------------------
// The passive client: the reference's tree read (readFolderTree: spec/05 §6, spec/06 §6, placement
// by nonce), the server-key pin, then one commit of pins and marks.

interface ClientState {
  readonly marks: MemoryStateStore;
  readonly pins: MemoryPinStore;
  previousMembers: { userId: string; certificate: string }[] | undefined;
}

async function readStep(i: ScenarioIn, step: Step, st: ClientState): Promise<StepExpect> {
  const privateKey = privateKeyFromPem(i.privateKeyPemWire);
  const serverPublicKey = publicKeyFromPem(step.serverPublicKeyPemWire ?? i.serverPublicKeyPemWire);
  const outerRoot = parseMetadataDocument(step.root.documentWire);
  if (outerRoot.family === 1) {
    // A legacy document for a folder: only its format family matters once a 2.x mark exists.
    const prev = await loadHighWater(st.marks, i.rootId);
    checkFreshness(prev, {
      version: versionOf(outerRoot),
      counter: null,
      keyChecksums: [],
      digest: null,
    });
    throw new SealfoldError(
      'UNSUPPORTED',
      'this runner reads legacy folders only as downgrade probes',
    );
  }
  if (step.written === true) return recordWritten(i, step, st);
  // The reference's read of a top folder (spec/05 §6): signature, role, member certificates and
  // pins, decryption, placement (E2EE-SHARE-040), freshness; nothing persisted yet.
  const read = await readFolderTree(
    {
      rootId: i.rootId,
      root: { document: step.root.documentWire, signature: step.root.signatureWire },
      subfolders: Object.fromEntries(
        Object.entries(step.subfolders).map(([id, s]) => [
          id,
          { document: s.documentWire, signature: s.signatureWire },
        ]),
      ),
      userId: i.userId,
      privateKey,
      ...(st.previousMembers ? { previousMembers: st.previousMembers } : {}),
    },
    { serverPublicKey, pins: st.pins, marks: st.marks },
  );
  const members = read.state.members.map((m) => ({ userId: m.userId, certificate: m.certificate }));
  // E2EE-CERT-031/-032/-035: every member certificate validated and checked against the pins.
  for (const m of members) {
    await acceptUserCertificate({
      certificate: m.certificate,
      serverPublicKey,
      userId: m.userId,
      pins: st.pins,
      // E2EE-CERT-034: the server key is pinned too.
      serverId: 'server',
    });
  }
  // E2EE-META-065: the marks change only when every folder of the step passed.
  await commitTrust(
    { pins: st.pins, marks: st.marks },
    read.documents.map((d) => d.pending),
  );
  st.previousMembers = members;
  const docs = read.documents.map((d) => [d.folderId, d.decrypted] as const);
  const out = fingerprint(docs, i.rootId);
  // Bodies are fetched after the read is committed, as a client downloads from an opened folder:
  // a body that fails rejects the step, but the documents' marks stay accepted.
  if (step.bodies !== undefined && out.result === 'valid') {
    out.files = {};
    for (const [fileId, body] of Object.entries(step.bodies)) {
      const entry = docs.map(([, d]) => d.inner.files[fileId]).find((f) => f !== undefined);
      if (entry === undefined) throw new SealfoldError('NOT_FOUND', 'no such file in this folder');
      // E2EE-FILE-006: nothing of a body is returned unless its tag verifies.
      const pt = decryptFile(unhex(body.hex), {
        key: entry.key,
        nonce: entry.nonce,
        tag: entry.authenticationTag,
      });
      out.files[fileId] = { length: pt.length, sha256: sha256hex(pt) };
    }
  }
  return out;
}

/** The fingerprint of a step: each folder's counter and digest. */
function fingerprint(
  docs: readonly (readonly [string, DecryptedMetadata])[],
  rootId: string,
): StepExpect {
  const out: StepExpect = { result: 'valid', root: { counter: 0, digest: '' }, subfolders: {} };
  for (const [id, d] of docs) {
    const fp = { counter: d.inner.counter, digest: d.digest };
    if (id === rootId) out.root = fp;
    else out.subfolders[id] = fp;
  }
  return out;
}

/**
 * A step the actor wrote (E2EE-API-311): the client records each document it uploaded as its
 * mark, checked against the mark it had, without a read. The generator gives the written bytes;
 * the actor knows their inner documents, recovered here by decrypting its own output.
 */
async function recordWritten(i: ScenarioIn, step: Step, st: ClientState): Promise<StepExpect> {
  const root = decryptMetadata({
    document: step.root.documentWire,
    userId: i.userId,
    privateKey: privateKeyFromPem(i.privateKeyPemWire),
  });
  const docs: [string, DecryptedMetadata][] = [[i.rootId, root]];
  for (const [id, s] of Object.entries(step.subfolders)) {
    docs.push([
      id,
      decryptMetadata({
        document: s.documentWire,
        userId: i.userId,
        rootMetadataKey: root.metadataKey,
      }),
    ]);
  }
  // E2EE-META-076 (MUST, client): the documents this client wrote are its marks.
  const marks = docs.map(([id, d]) => [id, stateOfWritten(d.document, d.inner)] as const);
  for (const [id, next] of marks) checkFreshness(await loadHighWater(st.marks, id), next);
  for (const [id, next] of marks) await acceptFolderState(st.marks, id, next);
  return fingerprint(docs, i.rootId);
}

/** Runs every step; a rejected step leaves the client state as it was. */
export async function runScenario(i: ScenarioIn): Promise<StepExpect[]> {
  const st: ClientState = {
    marks: new MemoryStateStore(),
    pins: new MemoryPinStore(),
    previousMembers: undefined,
  };
  const results: StepExpect[] = [];
  for (const step of i.steps) {
    try {
      results.push(await readStep(i, step, st));
    } catch (e) {
      if (!isSealfoldError(e)) throw e;
      results.push({ result: 'invalid', error: e.code });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// The generator: a small deterministic writer of folder versions.

interface Version {
  counter: number;
  key: Uint8Array;
  checksums: string[];
  members: Actor[];
  files: Record<string, Record<string, string>>;
  folders: Record<string, string>;
  deleted?: boolean;
}

function writeDoc(
  _w: World,
  rng: Rng,
  v: Version,
  signer: Actor,
  over: { members?: MemberSpec[]; inner?: Record<string, unknown>; version?: string } = {},
): Served {
  const inner = over.inner ?? {
    counter: v.counter,
    ...(v.deleted ? { deleted: true } : {}),
    files: v.files,
    folders: v.folders,
    keyChecksums: v.checksums,
  };
  const documentWire = buildDoc(
    {
      key: v.key,
      inner,
      members: over.members ?? v.members.map((actor) => ({ actor })),
      ...(over.version ? { version: over.version } : {}),
    },
    rng,
  );
  return { documentWire, signatureWire: sign(documentWire, signer) };
}

function writeSub(
  rng: Rng,
  key: Uint8Array,
  counter: number,
  files: Record<string, Record<string, string>>,
  signer: Actor,
  folders: Record<string, string> = {},
): Served {
  const documentWire = buildDoc({ key, inner: { counter, files, folders, keyChecksums: [] } }, rng);
  return { documentWire, signatureWire: sign(documentWire, signer) };
}

function sign(documentWire: string, signer: Actor): string {
  return b64(
    buildCms({
      content: metadataSignedContent(documentWire),
      signerPkcs8: signer.key.pkcs8,
      signerCertDer: signer.certificateDer,
    }),
  );
}

function innerOf(v: Version): Record<string, unknown> {
  return {
    counter: v.counter,
    ...(v.deleted ? { deleted: true } : {}),
    files: v.files,
    folders: v.folders,
    keyChecksums: v.checksums,
  };
}

const digestOf = (inner: Record<string, unknown>): string =>
  sha256hex(canonicalJson(inner as JsonObject));

export const scenario: VectorType = {
  type: TYPE,
  family: 'scenarios',
  inFields: ['userId', 'privateKeyPemWire', 'serverPublicKeyPemWire', 'rootId', 'steps'],
  outFields: ['steps'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const w = await world(ctx);
    const { alice, bob, carol, mallory } = w;
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Passive client: the actor (userId, privateKeyPemWire) reads the top folder rootId step after step as the',
        'server serves it (root and sub-folder documents with their signatures). The client keeps, across steps, a',
        'high-water mark per folder (spec/05 §7), certificate pins (spec/03 §4) and the members of the last',
        'verified version (E2EE-META-126). expect.steps[i] is the fingerprint after step i (root and sub-folder',
        'counter and digest) or the rejection; a rejected step changes nothing. A step with written: true is one',
        'the actor uploaded: its documents become the marks (E2EE-META-076), checked against the marks it had.',
      ],
      {
        Honest: {
          bugType: 'BASIC',
          description: 'A sequence honest writers produce.',
          requirements: ['E2EE-META-036', 'E2EE-META-062', 'E2EE-META-063'],
        },
        Rollback: {
          bugType: 'ROLLBACK',
          description: 'An older version served again.',
          requirements: ['E2EE-META-062', 'E2EE-META-065'],
        },
        Fork: {
          bugType: 'ROLLBACK',
          description: 'Two different versions with the same counter.',
          requirements: ['E2EE-META-063'],
        },
        InjectedMember: {
          bugType: 'CONFUSED_DEPUTY',
          description: 'A member added by someone who was not a member.',
          requirements: ['E2EE-META-126', 'E2EE-META-124'],
        },
        RemovedChecksum: {
          bugType: 'ROLLBACK',
          description: 'A key checksum the mark records is missing.',
          requirements: ['E2EE-META-064', 'E2EE-META-037'],
        },
        SubstitutedCertificate: {
          bugType: 'CONFUSED_DEPUTY',
          description: "A member's certificate replaced by one over another key.",
          requirements: ['E2EE-CERT-803', 'E2EE-CERT-035'],
        },
        Downgrade: {
          bugType: 'ROLLBACK',
          description: 'A legacy document for a folder seen at 2.x.',
          requirements: ['E2EE-META-061', 'E2EE-META-172'],
        },
        SwappedSubfolder: {
          bugType: 'ROLLBACK',
          description: "Sub-folder documents served under each other's ids.",
          requirements: ['E2EE-META-063', 'E2EE-META-128'],
        },
        MissingDocument: {
          bugType: 'AUTH_BYPASS',
          description: 'A listed sub-folder without a document is not read as deleted.',
          requirements: ['E2EE-SHARE-802'],
        },
        Stripped: {
          bugType: 'AUTH_BYPASS',
          description: 'The signature removed or the document changed.',
          requirements: ['E2EE-META-120', 'E2EE-META-121'],
        },
        Membership: {
          bugType: 'BASIC',
          description: 'Member removal: new key, the removed member cannot read.',
          requirements: ['E2EE-SHARE-021', 'E2EE-SHARE-023', 'E2EE-META-814'],
        },
        PemVariant: {
          bugType: 'TOLERANCE',
          description:
            'A member certificate listed in another PEM spelling is the same certificate; another DER is not.',
          requirements: ['E2EE-CERT-081', 'E2EE-META-130'],
        },
        ImplausibleCounter: {
          bugType: 'POLICY',
          description: 'A counter above 2^31 - 1, or more than 2^20 above the mark.',
          requirements: ['E2EE-META-073'],
        },
        OwnWrite: {
          bugType: 'ROLLBACK',
          description:
            'The actor wrote a step (written: true); its documents are its marks, checked like read ones.',
          requirements: ['E2EE-META-076'],
        },
        Misplaced: {
          bugType: 'CONFUSED_DEPUTY',
          description:
            "A sub-folder served another folder's document (by nonce, in the read or in a mark), or a file listed by two folders.",
          requirements: ['E2EE-SHARE-040'],
        },
      },
    );
    b.group({ client: 'passive' });
    const ok = (v: Version, subs: Record<string, Record<string, unknown>> = {}): StepExpect => ({
      result: 'valid',
      root: { counter: v.counter, digest: digestOf(innerOf(v)) },
      subfolders: Object.fromEntries(
        Object.entries(subs).map(([id, inner]) => [
          id,
          { counter: inner.counter as number, digest: digestOf(inner) },
        ]),
      ),
    });
    const no = (error: string): StepExpect => ({ result: 'invalid', error });
    const add = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      actor: Actor,
      rootId: string,
      steps: [Step, StepExpect][],
    ) =>
      b.add({
        slug,
        comment,
        flags,
        requirements: reqs,
        in: {
          userId: actor.userId,
          privateKeyPemWire: actor.key.pem,
          serverPublicKeyPemWire: w.serverPublicKeyPem,
          rootId,
          steps: steps.map(([s]) => s),
        },
        expect: { result: 'valid', steps: steps.map(([, e]) => e) } as Expect,
      });
    const newFolder = (members: Actor[]): Version => {
      const key = rng(16);
      return { counter: 1, key, checksums: [sha256hex(key)], members, files: {}, folders: {} };
    };
    const next = (v: Version, change: Partial<Version> = {}): Version => ({
      ...v,
      counter: v.counter + 1,
      files: { ...v.files },
      folders: { ...v.folders },
      ...change,
    });
    const withFile = (v: Version, name: string): Version => ({
      ...v,
      files: { ...v.files, [hex(rng(16))]: fileEntry(rng, name, 'text/plain') },
    });
    const step = (
      comment: string,
      root: Served,
      subfolders: Record<string, Served> = {},
    ): Step => ({ comment, root, subfolders });
    const rootId = () => hex(rng(16));

    // 1. Honest sequence, re-reads included.
    {
      const v1 = newFolder([alice, bob]);
      const v2 = withFile(next(v1), 'a.txt');
      const v3 = withFile(next(v2), 'b.txt');
      const d1 = writeDoc(w, rng, v1, alice),
        d2 = writeDoc(w, rng, v2, bob),
        d3 = writeDoc(w, rng, v3, alice);
      add(
        'honest-sequence',
        'three versions by two members, one read twice',
        ['Honest'],
        ['E2EE-META-036', 'E2EE-META-063', 'E2EE-META-066', 'E2EE-CERT-031', 'E2EE-SHARE-001'],
        alice,
        rootId(),
        [
          [step('first sight', d1), ok(v1)],
          [step('bob adds a file', d2), ok(v2)],
          [step('the same version again', d2), ok(v2)],
          [step('alice adds a file', d3), ok(v3)],
        ],
      );
      add(
        'honest-sequence-bob',
        'the same sequence read by bob',
        ['Honest'],
        ['E2EE-META-036'],
        bob,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2', d2), ok(v2)],
          [step('v3', d3), ok(v3)],
        ],
      );
      add(
        'first-sight-any-counter',
        'a client without a mark accepts the first authenticated version whatever its counter',
        ['Honest'],
        ['E2EE-META-066'],
        alice,
        rootId(),
        [
          [step('v3 first', d3), ok(v3)],
          [step('v2 after v3', d2), no('COUNTER_ROLLBACK')],
        ],
      );
      // 2. Rollback.
      add(
        'rollback',
        'v1, v2, then v1 again: rejected; v2 again is still accepted (mark unchanged)',
        ['Rollback'],
        ['E2EE-META-062', 'E2EE-META-065'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2', d2), ok(v2)],
          [step('v1 replayed', d1), no('COUNTER_ROLLBACK')],
          [step('v2 again', d2), ok(v2)],
          [step('v3', d3), ok(v3)],
        ],
      );
      add('rollback-two-back', 'v3 then v1', ['Rollback'], ['E2EE-META-062'], bob, rootId(), [
        [step('v1', d1), ok(v1)],
        [step('v3', d3), ok(v3)],
        [step('v1', d1), no('COUNTER_ROLLBACK')],
      ]);
      // 3. Fork at an equal counter.
      const v2f = withFile(next(v1), 'fork.txt');
      const d2f = writeDoc(w, rng, v2f, alice);
      add(
        'fork-equal-counter',
        'two different counter-2 versions, both validly signed',
        ['Fork'],
        ['E2EE-META-063'],
        bob,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2', d2), ok(v2)],
          [step('v2 forked', d2f), no('COUNTER_ROLLBACK')],
          [step('v3 continues', d3), ok(v3)],
        ],
      );
      add(
        'fork-other-branch-first',
        'the forked branch first, then the other',
        ['Fork'],
        ['E2EE-META-063'],
        alice,
        rootId(),
        [
          [step('v2 forked', d2f), ok(v2f)],
          [step('v2', d2), no('COUNTER_ROLLBACK')],
        ],
      );
      // 4. Stripped and changed.
      add(
        'signature-stripped',
        'the signature of v2 removed',
        ['Stripped'],
        ['E2EE-META-120'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2 unsigned', { ...d2, signatureWire: '' }), no('SIGNATURE_MISSING')],
          [step('v2 signed', d2), ok(v2)],
        ],
      );
      add(
        'signature-from-other-version',
        "v2 served with v1's signature",
        ['Stripped'],
        ['E2EE-META-121'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [
            step('v2 with v1 signature', { ...d2, signatureWire: d1.signatureWire }),
            no('SIGNATURE_INVALID'),
          ],
        ],
      );
    }
    // 5. Injected member.
    {
      const v1 = newFolder([alice, bob]);
      const d1 = writeDoc(w, rng, v1, alice);
      const key2 = rng(16);
      const v2 = {
        ...next(v1),
        key: key2,
        checksums: [...v1.checksums, sha256hex(key2)],
        members: [alice, bob, mallory],
      };
      add(
        'injected-member-self-signed',
        'the server adds mallory, who signs the new version',
        ['InjectedMember'],
        ['E2EE-META-126', 'E2EE-SHARE-003'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2 by mallory', writeDoc(w, rng, v2, mallory)), no('SIGNER_NOT_MEMBER')],
          [step('v1 again', d1), ok(v1)],
        ],
      );
      const tampered = JSON.parse(d1.documentWire) as { users: unknown[] };
      tampered.users.push({
        certificate: mallory.certificatePem,
        encryptedMetadataKey: b64(oaepWrapSeeded(mallory.key.spki, v1.key, rng)),
        userId: 'mallory',
      });
      add(
        'injected-member-unsigned',
        'the server appends mallory to users of v1 without re-signing',
        ['InjectedMember', 'Stripped'],
        ['E2EE-META-121'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [
            step('v1 with mallory', {
              documentWire: JSON.stringify(tampered),
              signatureWire: d1.signatureWire,
            }),
            no('SIGNATURE_INVALID'),
          ],
        ],
      );
      const v2b = {
        ...next(v1),
        key: key2,
        checksums: [...v1.checksums, sha256hex(key2)],
        members: [alice, bob, carol],
      };
      add(
        'member-added-by-member',
        'bob adds carol: accepted; carol then reads',
        ['Honest'],
        ['E2EE-SHARE-021', 'E2EE-META-126'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2 by bob with carol', writeDoc(w, rng, v2b, bob)), ok(v2b)],
        ],
      );
    }
    // 6. Removed checksum; removal of a member.
    {
      const v1 = newFolder([alice, bob, carol]);
      const d1 = writeDoc(w, rng, v1, alice);
      const k2 = rng(16);
      const v2 = {
        ...next(v1),
        key: k2,
        checksums: [...v1.checksums, sha256hex(k2)],
        members: [alice, bob],
      };
      const d2 = writeDoc(w, rng, v2, alice);
      const v3 = { ...next(v2), checksums: [sha256hex(k2)] };
      add(
        'removed-checksum',
        "after carol's removal, a version without the old key's checksum",
        ['RemovedChecksum'],
        ['E2EE-META-064'],
        bob,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2 carol removed', d2), ok(v2)],
          [step('v3 drops a checksum', writeDoc(w, rng, v3, alice)), no('KEY_CHECKSUM_REMOVED')],
        ],
      );
      add(
        'removed-member-cannot-read',
        'carol reads v1, then v2 has no key for her',
        ['Membership'],
        ['E2EE-META-814', 'E2EE-SHARE-023'],
        carol,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2', d2), no('METADATA_KEY_MISSING')],
        ],
      );
      const v3old = { ...next(v2), key: v1.key, members: [alice, bob, carol] };
      add(
        'removed-member-writes-old-key',
        'carol (removed) writes v3 under the old key for the old members',
        ['InjectedMember'],
        ['E2EE-META-126'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2', d2), ok(v2)],
          [step('v3 by carol', writeDoc(w, rng, v3old, carol)), no('SIGNER_NOT_MEMBER')],
        ],
      );
    }
    // 7. Substituted certificate.
    {
      const v1 = newFolder([alice, bob]);
      const d1 = writeDoc(w, rng, v1, alice);
      const fakeBob = await w.certify('bob', mallory.key);
      const k2 = rng(16);
      const v2 = { ...next(v1), key: k2, checksums: [...v1.checksums, sha256hex(k2)] };
      const d2 = writeDoc(w, rng, v2, alice, {
        members: [
          { actor: alice },
          { actor: bob, certificatePem: fakeBob.certificatePem, wrapForSpki: mallory.key.spki },
        ],
      });
      add(
        'substituted-certificate',
        'a version (signed by alice) listing a server-issued certificate for bob over another key',
        ['SubstitutedCertificate'],
        ['E2EE-CERT-803', 'E2EE-CERT-033'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2 with a new bob key', d2), no('KEY_CHANGED')],
          [step('the same v2 again: no automatic re-pin', d2), no('KEY_CHANGED')],
          [step('v1 again', d1), ok(v1)],
        ],
      );
      const d2m = writeDoc(
        w,
        rng,
        v2,
        { ...mallory, certificateDer: fakeBob.certificateDer },
        {
          members: [
            { actor: alice },
            { actor: bob, certificatePem: fakeBob.certificatePem, wrapForSpki: mallory.key.spki },
          ],
        },
      );
      add(
        'substituted-certificate-self-signed',
        'the new "bob" key signs the version that introduces it',
        ['SubstitutedCertificate', 'InjectedMember'],
        ['E2EE-META-126'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('v2 by the new key', d2m), no('SIGNER_NOT_MEMBER')],
        ],
      );
    }
    // 8. Downgrade.
    {
      const v1 = newFolder([alice, bob]);
      const d1 = writeDoc(w, rng, v1, alice);
      const legacy = JSON.stringify({
        files: {},
        metadata: {
          checksum: sha256hex('legacy'),
          metadataKey: b64(
            oaepWrapSeeded(
              alice.key.spki,
              new TextEncoder().encode(b64(new TextEncoder().encode(b64(rng(16))))),
              rng,
            ),
          ),
          version: 1.2,
        },
      });
      add(
        'downgrade-to-1.2',
        'a 1.2 document for a folder seen at 2.0',
        ['Downgrade'],
        ['E2EE-META-061'],
        alice,
        rootId(),
        [
          [step('v1 (2.0)', d1), ok(v1)],
          [step('a 1.2 document', { documentWire: legacy, signatureWire: '' }), no('DOWNGRADE')],
          [step('v1 again', d1), ok(v1)],
        ],
      );
      const legacy10 = JSON.stringify({
        files: {},
        metadata: { metadataKeys: { '0': b64(rng(256)) }, version: 1 },
      });
      add(
        'downgrade-to-1.0',
        'a 1.0 document for a folder seen at 2.0',
        ['Downgrade'],
        ['E2EE-META-061'],
        bob,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('a 1.0 document', { documentWire: legacy10, signatureWire: '' }), no('DOWNGRADE')],
        ],
      );
      const v2 = withFile(next(v1), 'x');
      add(
        'version-2.1-after-2.0',
        '2.0 and 2.1 are one level',
        ['Honest'],
        ['E2EE-META-061'],
        alice,
        rootId(),
        [
          [step('v1 2.0', d1), ok(v1)],
          [step('v2 2.1', writeDoc(w, rng, v2, bob, { version: '2.1' })), ok(v2)],
        ],
      );
    }
    // 8b. A new server key: every certificate re-issued by it.
    {
      const v1 = newFolder([alice, bob]);
      const d1 = writeDoc(w, rng, v1, alice);
      const other = ctx.key('server-other');
      const a2 = await w.certify('alice', alice.key, other);
      const b2 = await w.certify('bob', bob.key, other);
      const v2 = withFile(next(v1), 'after-reissue.txt');
      const d2 = writeDoc(w, rng, v2, a2, { members: [{ actor: a2 }, { actor: b2 }] });
      add(
        'server-key-changed',
        'the server serves another server key and certificates issued by it',
        ['SubstitutedCertificate'],
        ['E2EE-CERT-034'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [
            {
              ...step('v2 under a new server key', d2),
              serverPublicKeyPemWire: strictPem('PUBLIC KEY', other.spki),
            },
            no('KEY_CHANGED'),
          ],
        ],
      );
    }
    // 8c. A membership change that leaves a sub-folder under the old key.
    {
      const v1 = newFolder([alice, bob, carol]);
      const subA = hex(rng(16));
      v1.folders = { [subA]: 'A' };
      const filesA = { [hex(rng(16))]: fileEntry(rng, 'in-a.txt', 'text/plain') };
      const a1 = writeSub(rng, v1.key, 1, filesA, alice);
      const d1 = writeDoc(w, rng, v1, alice);
      const k2 = rng(16);
      const v2 = {
        ...next(v1),
        key: k2,
        checksums: [...v1.checksums, sha256hex(k2)],
        members: [alice, bob],
      };
      const d2 = writeDoc(w, rng, v2, alice);
      const a2 = writeSub(rng, k2, 2, filesA, alice);
      const innerA1 = { counter: 1, files: filesA, folders: {}, keyChecksums: [] };
      add(
        'subfolder-left-under-old-key',
        'carol is removed and the root re-keyed, but the sub-folder document is the old one',
        ['Membership'],
        ['E2EE-SHARE-022', 'E2EE-META-815'],
        bob,
        rootId(),
        [
          [step('v1', d1, { [subA]: a1 }), ok(v1, { [subA]: innerA1 })],
          [step('v2, sub-folder not re-encrypted', d2, { [subA]: a1 }), no('AEAD_TAG_MISMATCH')],
          [
            step('v2, sub-folder re-encrypted', d2, { [subA]: a2 }),
            ok(v2, { [subA]: { counter: 2, files: filesA, folders: {}, keyChecksums: [] } }),
          ],
        ],
      );
    }
    // 9. Sub-folders: swapped documents, missing document.
    {
      const v1 = newFolder([alice, bob]);
      const subA = hex(rng(16)),
        subB = hex(rng(16));
      v1.folders = { [subA]: 'A', [subB]: 'B' };
      const filesA = { [hex(rng(16))]: fileEntry(rng, 'in-a.txt', 'text/plain') };
      const filesB = { [hex(rng(16))]: fileEntry(rng, 'in-b.txt', 'text/plain') };
      const a = writeSub(rng, v1.key, 1, filesA, alice),
        bb = writeSub(rng, v1.key, 1, filesB, bob);
      const d1 = writeDoc(w, rng, v1, alice);
      const innerA = { counter: 1, files: filesA, folders: {}, keyChecksums: [] },
        innerB = { counter: 1, files: filesB, folders: {}, keyChecksums: [] };
      add(
        'swapped-subfolder-documents',
        "A's document served as B and B's as A (same counter, both signed)",
        ['SwappedSubfolder', 'Misplaced'],
        ['E2EE-META-063', 'E2EE-SHARE-040'],
        alice,
        rootId(),
        [
          [
            step('honest', d1, { [subA]: a, [subB]: bb }),
            ok(v1, { [subA]: innerA, [subB]: innerB }),
          ],
          // E2EE-SHARE-040: the marks name each document's folder by its nonce.
          [step('swapped', d1, { [subA]: bb, [subB]: a }), no('METADATA_MISPLACED')],
          [
            step('honest again', d1, { [subA]: a, [subB]: bb }),
            ok(v1, { [subA]: innerA, [subB]: innerB }),
          ],
        ],
      );
      add(
        'subfolder-document-missing',
        'the root lists B, the server serves no document for it',
        ['MissingDocument'],
        ['E2EE-SHARE-802'],
        bob,
        rootId(),
        [
          [step('B missing', d1, { [subA]: a }), no('NOT_FOUND')],
          [
            step('complete', d1, { [subA]: a, [subB]: bb }),
            ok(v1, { [subA]: innerA, [subB]: innerB }),
          ],
        ],
      );
      const a2 = writeSub(
        rng,
        v1.key,
        2,
        { ...filesA, [hex(rng(16))]: fileEntry(rng, 'more.txt', 'text/plain') },
        bob,
      );
      add(
        'subfolder-rollback',
        'A advances to counter 2, then counter 1 is served again',
        ['Rollback'],
        ['E2EE-META-062'],
        alice,
        rootId(),
        [
          [
            step('A at 1', d1, { [subA]: a, [subB]: bb }),
            ok(v1, { [subA]: innerA, [subB]: innerB }),
          ],
          [
            step('A at 2', d1, { [subA]: a2, [subB]: bb }),
            {
              result: 'valid',
              root: { counter: 1, digest: digestOf(innerOf(v1)) },
              subfolders: {
                [subA]: { counter: 2, digest: digestFromSub(a2, v1.key) },
                [subB]: { counter: 1, digest: digestOf(innerB) },
              },
            },
          ],
          [step('A at 1 again', d1, { [subA]: a, [subB]: bb }), no('COUNTER_ROLLBACK')],
        ],
      );
      const mal = writeSub(rng, v1.key, 5, filesA, mallory);
      add(
        'subfolder-signed-by-outsider',
        'a sub-folder document signed by a non-member',
        ['InjectedMember'],
        ['E2EE-META-128'],
        alice,
        rootId(),
        [[step('A by mallory', d1, { [subA]: mal, [subB]: bb }), no('SIGNER_NOT_MEMBER')]],
      );
    }
    // 10. Deletion.
    {
      const v1 = withFile(newFolder([alice, bob]), 'doomed.txt');
      const d1 = writeDoc(w, rng, v1, alice);
      const v2: Version = { ...next(v1), files: {}, folders: {}, deleted: true };
      const d2 = writeDoc(w, rng, v2, bob);
      add(
        'deleted-then-replayed',
        'the folder is deleted (signed), then the pre-deletion version is replayed',
        ['Rollback'],
        ['E2EE-SHARE-801', 'E2EE-META-062'],
        alice,
        rootId(),
        [
          [step('v1', d1), ok(v1)],
          [step('deleted', d2), ok(v2)],
          [step('v1 replayed', d1), no('COUNTER_ROLLBACK')],
        ],
      );
    }
    // 11. The same member certificate in other PEM spellings; another certificate for the key.
    {
      const pems = (a: Actor) => new Map(tolerantPems('CERTIFICATE', a.certificateDer));
      const v1 = newFolder([alice, bob]);
      const v2 = withFile(next(v1), 'web.txt');
      const v3 = withFile(next(v2), 'desktop.txt');
      const v4 = withFile(next(v3), 'reissued.txt');
      // Re-issued by the server for the same key: another serial, so other DER.
      const reissuedBobDer = await issue({
        issuerPkcs8: ctx.key('server').pkcs8,
        subjectSpki: bob.key.spki,
        subject: [...DESKTOP_DN, [CN, 'bob']],
        notBefore: new Date(ctx.now.getTime() - 30 * 86_400_000),
        serial: new Uint8Array([2]),
      });
      add(
        'member-certificate-pem-variants',
        'the members listed without final newline, with CRLF and other line widths: the same certificates (compared as DER); a re-issued certificate for the same key is not the one the signature embeds',
        ['PemVariant'],
        ['E2EE-CERT-081', 'E2EE-META-130'],
        alice,
        rootId(),
        [
          [step('v1, strict PEM', writeDoc(w, rng, v1, alice)), ok(v1)],
          [
            step(
              'v2 by bob, PEM as the web client writes it (no final newline), bob with CRLF',
              writeDoc(w, rng, v2, bob, {
                members: [
                  { actor: alice, certificatePem: pems(alice).get('no-final-newline')! },
                  { actor: bob, certificatePem: pems(bob).get('crlf-65-no-final-newline')! },
                ],
              }),
            ),
            ok(v2),
          ],
          [
            step(
              'v3 by alice, 76-character lines',
              writeDoc(w, rng, v3, alice, {
                members: [
                  { actor: alice, certificatePem: pems(alice).get('any-line-width-76')! },
                  { actor: bob, certificatePem: pems(bob).get('crlf')! },
                ],
              }),
            ),
            ok(v3),
          ],
          [
            step(
              "v4 by bob lists a re-issued certificate for bob's key, the signature embeds the first",
              writeDoc(w, rng, v4, bob, {
                members: [
                  { actor: alice },
                  { actor: bob, certificatePem: strictPem('CERTIFICATE', reissuedBobDer) },
                ],
              }),
            ),
            no('SIGNATURE_INVALID'),
          ],
        ],
      );
    }
    // 12. Implausible counters (E2EE-META-073).
    {
      const v1 = newFolder([alice, bob]);
      const top = { ...withFile(next(v1), 'top.txt'), counter: 2 ** 31 - 1 };
      const over = { ...withFile(next(v1), 'over.txt'), counter: 2 ** 31 };
      add(
        'counter-above-max',
        'a first document at counter 2^31 is refused even without a mark; 2^31 - 1 is accepted',
        ['ImplausibleCounter'],
        ['E2EE-META-073'],
        alice,
        rootId(),
        [
          [step('counter 2^31', writeDoc(w, rng, over, bob)), no('COUNTER_IMPLAUSIBLE')],
          [step('counter 2^31 - 1', writeDoc(w, rng, top, bob)), ok(top)],
        ],
      );
      const jump = { ...withFile(next(v1), 'jump.txt'), counter: 1 + 2 ** 20 + 1 };
      const edge = { ...withFile(next(v1), 'edge.txt'), counter: 1 + 2 ** 20 };
      add(
        'counter-jump-above-max-step',
        'from a mark at 1, a document at 1 + 2^20 + 1 is refused; 1 + 2^20 is accepted',
        ['ImplausibleCounter'],
        ['E2EE-META-073'],
        bob,
        rootId(),
        [
          [step('v1', writeDoc(w, rng, v1, alice)), ok(v1)],
          [step('counter 1 + 2^20 + 1', writeDoc(w, rng, jump, alice)), no('COUNTER_IMPLAUSIBLE')],
          [step('counter 1 + 2^20', writeDoc(w, rng, edge, alice)), ok(edge)],
        ],
      );
    }
    // 13. The actor's own writes are its marks (E2EE-META-076).
    {
      const written = (comment: string, root: Served): Step => ({
        ...step(comment, root),
        written: true,
      });
      const v1 = newFolder([alice, bob]);
      const d1 = writeDoc(w, rng, v1, alice);
      const v2 = withFile(next(v1), 'mine.txt');
      const v2f = withFile(next(v1), 'theirs.txt');
      add(
        'own-write-is-the-mark',
        'alice writes v2; another v2, and v1, served afterwards are refused; her v2 is accepted',
        ['OwnWrite'],
        ['E2EE-META-076'],
        alice,
        rootId(),
        [
          [step('v1 read', d1), ok(v1)],
          [written('alice writes v2', writeDoc(w, rng, v2, alice)), ok(v2)],
          [step('another v2 by bob', writeDoc(w, rng, v2f, bob)), no('COUNTER_ROLLBACK')],
          [step('v1 again', d1), no('COUNTER_ROLLBACK')],
          [step("alice's v2", writeDoc(w, rng, v2, alice)), ok(v2)],
        ],
      );
      const k2 = rng(16);
      const v2k = { ...next(v1), key: k2, checksums: [...v1.checksums, sha256hex(k2)] };
      const v3old = withFile(next(v2k), 'old-key.txt');
      v3old.key = v1.key;
      v3old.checksums = [...v1.checksums];
      add(
        'own-write-key-checksum',
        'alice writes a first version, then re-keys; a later version without the checksum she wrote is refused',
        ['OwnWrite'],
        ['E2EE-META-076', 'E2EE-META-064'],
        alice,
        rootId(),
        [
          [written('alice writes v1', d1), ok(v1)],
          [
            step('another v1 by bob', writeDoc(w, rng, withFile(v1, 'x.txt'), bob)),
            no('COUNTER_ROLLBACK'),
          ],
          [written('alice re-keys (v2)', writeDoc(w, rng, v2k, alice)), ok(v2k)],
          [
            step('v3 by bob under the old key', writeDoc(w, rng, v3old, bob)),
            no('KEY_CHECKSUM_REMOVED'),
          ],
        ],
      );
    }
    // 14. Misplaced sub-folder documents (E2EE-SHARE-040).
    {
      const v1 = newFolder([alice, bob]);
      const subA = hex(rng(16)),
        subB = hex(rng(16));
      v1.folders = { [subA]: 'A', [subB]: 'B' };
      const fileA = hex(rng(16));
      const filesA = { [fileA]: fileEntry(rng, 'in-a.txt', 'text/plain') };
      const filesB = { [hex(rng(16))]: fileEntry(rng, 'in-b.txt', 'text/plain') };
      const a = writeSub(rng, v1.key, 1, filesA, alice),
        bb = writeSub(rng, v1.key, 1, filesB, bob);
      const d1 = writeDoc(w, rng, v1, alice);
      const innerA = { counter: 1, files: filesA, folders: {}, keyChecksums: [] },
        innerB = { counter: 1, files: filesB, folders: {}, keyChecksums: [] };
      const honest: [Step, StepExpect] = [
        step('honest', d1, { [subA]: a, [subB]: bb }),
        ok(v1, { [subA]: innerA, [subB]: innerB }),
      ];
      add(
        'subfolder-same-document-twice',
        "A's document served for A and for B in one read, on first sight",
        ['Misplaced'],
        ['E2EE-SHARE-040'],
        bob,
        rootId(),
        [[step('A for both', d1, { [subA]: a, [subB]: a }), no('METADATA_MISPLACED')], honest],
      );
      const filesA2 = { ...filesA, [hex(rng(16))]: fileEntry(rng, 'more.txt', 'text/plain') };
      const a2 = writeSub(rng, v1.key, 2, filesA2, alice);
      const innerA2 = { counter: 2, files: filesA2, folders: {}, keyChecksums: [] };
      add(
        'subfolder-document-from-other-mark',
        "A advances; A's old document (the one A's mark recorded) is then served for B",
        ['Misplaced'],
        ['E2EE-SHARE-040'],
        alice,
        rootId(),
        [
          honest,
          [
            step('A at 2, B served A at 1', d1, { [subA]: a2, [subB]: a }),
            no('METADATA_MISPLACED'),
          ],
          [
            step('A at 2, B honest', d1, { [subA]: a2, [subB]: bb }),
            ok(v1, { [subA]: innerA2, [subB]: innerB }),
          ],
        ],
      );
      const bDup = writeSub(rng, v1.key, 2, { ...filesB, [fileA]: filesA[fileA]! }, bob);
      add(
        'file-listed-by-two-folders',
        "B's document (signed, current key) also lists A's file",
        ['Misplaced'],
        ['E2EE-SHARE-040'],
        alice,
        rootId(),
        [
          [step("B lists A's file", d1, { [subA]: a, [subB]: bDup }), no('METADATA_MISPLACED')],
          honest,
        ],
      );
    }
    await addRecordedRuns(ctx, b, recordedFiles);
    return b.file;
  },
  files: recordedFiles,
  async run(test) {
    return { result: 'valid', steps: await runScenario(test.in as unknown as ScenarioIn) };
  },
};

/** The digest of a sub-folder document the generator wrote (decrypting its own output). */
function digestFromSub(s: Served, key: Uint8Array): string {
  return decryptMetadata({ document: s.documentWire, userId: 'generator', rootMetadataKey: key })
    .digest;
}

/** Notes only recorded runs use; each is defined in the file once a run uses it. */
const RECORDED_NOTES: Record<string, Note> = {
  Recorded: {
    bugType: 'BASIC',
    description:
      'Recorded from a run of the reference client against the mock server over HTTP: the server states the client was served, and its verdicts (spec/19 §4).',
    // The origin of a vector, not a protocol property: the test's own requirements say what it shows.
    requirements: [],
  },
  Frozen: {
    bugType: 'BASIC',
    description:
      'A failing case of the client certification suite, frozen with sealfold vectors freeze: the states the suite served and the verdict it expected (spec/19 §5).',
    requirements: [],
  },
  MockAttack: {
    bugType: 'AUTH_BYPASS',
    description:
      "Mounted by one of the mock server's named attack switches (server-mock/src/adversary): the answers to the reader rewritten on the server.",
    requirements: [],
  },
  SwappedBody: {
    bugType: 'CONFUSED_DEPUTY',
    description: "A file served with another file's encrypted body.",
    requirements: ['E2EE-FILE-006'],
  },
};

/**
 * The recorded group: the runs the recorder makes now (written to the generator's own producer
 * directory), then every committed run (frozen certification cases, other producers). A run
 * enters only when the reference's passive runner reaches its verdicts.
 */
async function addRecordedRuns(
  ctx: GenContext,
  b: VectorFileBuilder,
  files: Map<string, Uint8Array>,
): Promise<void> {
  files.clear();
  const own = await recordRuns(ctx);
  const runs: { prefix: string; run: RecordedRun }[] = own.map((run) => ({
    prefix: 'recorded',
    run,
  }));
  for (const run of own)
    files.set(
      `${PRODUCERS_DIR}/${OWN_PRODUCER}/${SUITE_VERSION}/${run.name}.json`,
      new Uint8Array(Buffer.from(JSON.stringify(run, null, 2) + '\n')),
    );
  files.set(
    'schemas/recorded-run.schema.json',
    new Uint8Array(Buffer.from(JSON.stringify(recordedRunSchema(), null, 2) + '\n')),
  );
  runs.push(...committedRuns(ctx.vectorsDir));
  let group = '';
  for (const { prefix, run } of runs) {
    // One group per origin and producer, so that verify can count each producer's runs.
    const origin = prefix === 'frozen' ? 'frozen' : 'recorded';
    const producer = prefix === 'recorded' ? OWN_PRODUCER : prefix === 'frozen' ? '' : prefix;
    if (`${origin}/${producer}` !== group) {
      group = `${origin}/${producer}`;
      b.group({ client: 'passive', origin, ...(producer ? { producer } : {}) });
    }
    const expect = await checkAgainstReference(run);
    for (const f of run.flags) {
      const note = b.file.notes[f] ?? RECORDED_NOTES[f];
      if (note === undefined) throw new Error(`run ${run.name}: unknown flag ${f}`);
      b.file.notes[f] = note;
    }
    b.add({
      slug: `${prefix}-${run.name}`,
      comment: `${run.comment} (recorded by ${run.producer.name} ${run.producer.version})`,
      flags: [...run.flags],
      requirements: [...run.requirements],
      in: {
        userId: run.actor.userId,
        privateKeyPemWire: run.actor.privateKeyPemWire,
        serverPublicKeyPemWire: run.serverPublicKeyPemWire,
        rootId: run.rootId,
        steps: run.steps,
      },
      expect: { result: 'valid', steps: expect } as Expect,
    });
  }
}
