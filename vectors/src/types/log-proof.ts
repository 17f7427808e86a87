/**
 * `log-proof` (primitives): the transparency log's formats (spec/21-transparency-log.md):
 * RFC 9162 inclusion and consistency proofs over trees of Sealfold log entries (E2EE-LOG-010..012),
 * C2SP signed-note checkpoints by an Ed25519 log key (E2EE-LOG-800..802, E2EE-LOG-021, E2EE-LOG-022) and Ed25519 witness
 * cosignatures (E2EE-LOG-050), and c2sp.org/tlog-tiles hash tiles with the inclusion proofs a reader
 * computes from them alone (E2EE-LOG-120, E2EE-LOG-121). Keys come from the generator's seeded randomness; every invalid
 * test changes one thing of a valid one.
 *
 * @module
 */
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { hex, unhex } from '../repr.js';
import { verdict, type VectorType } from '../vector-type.js';
import { encodeLogEntry } from '../../../reference/src/log/entry.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from '../../../reference/src/log/merkle.js';
import { formatCheckpoint, openCheckpoint } from '../../../reference/src/log/checkpoint.js';
import {
  tileHashes,
  tileInclusionProof,
  tilePath,
  tileReader,
} from '../../../reference/src/log/tiles.js';
import {
  formatVerifierKey,
  noteSignerFromSeed,
  parseVerifierKey,
  signNote,
} from '../../../reference/src/log/note.js';
import {
  cosignCheckpoint,
  cosignatureVerifier,
  cosignerFromSeed,
  verifyCosignatures,
} from '../../../reference/src/log/cosignature.js';

const TYPE = 'log-proof';
const ORIGIN = 'vectors.sealfold.example/log';

const flip = (b: Uint8Array): Uint8Array => b.map((x, i) => (i === 0 ? x ^ 1 : x));

export const logProof: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: [
    'entryHexList',
    'index',
    'size',
    'oldSize',
    'proofHexList',
    'rootHex',
    'oldRootHex',
    'noteWire',
    'verifierKeyWire',
    'cosignerName',
    'cosignerPublicKeyHex',
    'level',
    'tileIndex',
    'width',
    'tileHexList',
  ],
  outFields: ['size', 'rootHex', 'cosigners', 'tilePath', 'tileHex', 'proofHexList'],
  async generate(ctx: GenContext) {
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Transparency-log proofs and notes. entryHexList are log entries (spec/21 §2), hashed as RFC 9162',
        'leaves; inclusion and consistency tests give proofHexList (hashes in order) and the roots. Checkpoint',
        'tests give a signed note and the log verifier key; cosignature tests add a witness key.',
      ],
      {
        Tampered: {
          bugType: 'AUTH_BYPASS',
          description: 'One bit of a proof hash, a root, a size or a signature changed.',
          requirements: ['E2EE-LOG-011', 'E2EE-LOG-012', 'E2EE-LOG-801'],
        },
        WrongKey: {
          bugType: 'AUTH_BYPASS',
          description: 'Signed by another key with the same name, or naming another origin.',
          requirements: ['E2EE-LOG-800', 'E2EE-LOG-801', 'E2EE-LOG-022'],
        },
      },
    );
    const entries = Array.from({ length: 13 }, (_, i) =>
      encodeLogEntry(
        i % 3 === 0
          ? { kind: 'key', userId: `user${i}`, certificateHash: hex(ctx.rng(`log-cert-${i}`)(32)) }
          : {
              kind: 'metadata',
              folderId: String(100 + (i % 4)),
              counter: i,
              documentHash: hex(ctx.rng(`log-doc-${i}`)(32)),
              signer: `user${i % 5}`,
            },
      ),
    );
    const leaves = entries.map(leafHash);
    const entryHexList = entries.map(hex);
    b.group({ operation: 'inclusion' });
    for (const [size, index] of [
      [1, 0],
      [7, 3],
      [8, 7],
      [13, 0],
      [13, 12],
    ] as const) {
      const proof = inclusionProof(leaves.slice(0, size), index);
      const root = rootHash(leaves.slice(0, size));
      const input = {
        entryHexList: entryHexList.slice(0, size),
        index,
        size,
        proofHexList: proof.map(hex),
        rootHex: hex(root),
      };
      b.add({
        slug: `inclusion-${index}-of-${size}`,
        comment: `entry ${index} in a tree of ${size}`,
        requirements: ['E2EE-LOG-010', 'E2EE-LOG-011'],
        in: input,
        expect: { result: 'valid' },
      });
      if (proof.length > 0)
        b.add({
          slug: `inclusion-${index}-of-${size}-tampered`,
          comment: 'first proof hash changed',
          flags: ['Tampered'],
          requirements: ['E2EE-LOG-011'],
          in: { ...input, proofHexList: [hex(flip(proof[0]!)), ...proof.slice(1).map(hex)] },
          expect: { result: 'invalid', error: 'LOG_PROOF_INVALID' },
        });
    }
    b.group({ operation: 'consistency' });
    for (const [m, n] of [
      [1, 2],
      [3, 7],
      [4, 8],
      [6, 13],
      [13, 13],
    ] as const) {
      const proof = consistencyProof(leaves.slice(0, n), m);
      const input = {
        entryHexList: entryHexList.slice(0, n),
        oldSize: m,
        size: n,
        proofHexList: proof.map(hex),
        oldRootHex: hex(rootHash(leaves.slice(0, m))),
        rootHex: hex(rootHash(leaves.slice(0, n))),
      };
      b.add({
        slug: `consistency-${m}-to-${n}`,
        comment: `from ${m} to ${n}`,
        requirements: ['E2EE-LOG-012'],
        in: input,
        expect: { result: 'valid' },
      });
      if (m < n)
        b.add({
          slug: `consistency-${m}-to-${n}-forked`,
          comment: 'the old root of another history',
          flags: ['Tampered'],
          requirements: ['E2EE-LOG-012'],
          in: { ...input, oldRootHex: hex(flip(unhex(input.oldRootHex))) },
          expect: { result: 'invalid', error: 'LOG_PROOF_INVALID' },
        });
    }
    const log = noteSignerFromSeed(ORIGIN, ctx.rng('log-key')(32));
    const other = noteSignerFromSeed(ORIGIN, ctx.rng('log-other-key')(32));
    const vkey = formatVerifierKey(log.verifier);
    const text = formatCheckpoint({ origin: ORIGIN, size: 13, root: rootHash(leaves) });
    const note = signNote(text, [log]);
    b.group({ operation: 'checkpoint' });
    b.add({
      slug: 'checkpoint-valid',
      comment: 'a checkpoint of the 13-entry tree',
      requirements: ['E2EE-LOG-801', 'E2EE-LOG-021', 'E2EE-LOG-022'],
      in: { noteWire: note, verifierKeyWire: vkey },
      expect: { result: 'valid', size: 13, rootHex: hex(rootHash(leaves)) },
    });
    b.add({
      slug: 'checkpoint-other-key',
      comment: 'signed by another key of the same name (ignored: no known signature)',
      flags: ['WrongKey'],
      requirements: ['E2EE-LOG-800', 'E2EE-LOG-801'],
      in: { noteWire: signNote(text, [other]), verifierKeyWire: vkey },
      expect: { result: 'invalid', error: 'LOG_SIGNATURE_INVALID' },
    });
    b.add({
      slug: 'checkpoint-size-changed',
      comment: 'the size line changed after signing',
      flags: ['Tampered'],
      requirements: ['E2EE-LOG-801'],
      in: { noteWire: note.replace('\n13\n', '\n14\n'), verifierKeyWire: vkey },
      expect: { result: 'invalid', error: 'LOG_SIGNATURE_INVALID' },
    });
    b.add({
      slug: 'checkpoint-extension-line',
      comment: 'an extension line (signed)',
      requirements: ['E2EE-LOG-021'],
      in: { noteWire: signNote(`${text}ext\n`, [log]), verifierKeyWire: vkey },
      expect: { result: 'invalid', error: 'LOG_NOTE_MALFORMED' },
    });
    const w = cosignerFromSeed('vectors.sealfold.example/witness', ctx.rng('witness-key')(32));
    const cosigned = note + cosignCheckpoint(text, w, 1_767_225_600);
    b.group({ operation: 'cosignature' });
    const cin = {
      noteWire: cosigned,
      verifierKeyWire: vkey,
      cosignerName: w.name,
      cosignerPublicKeyHex: hex(w.verifier.publicKey),
    };
    b.add({
      slug: 'cosignature-valid',
      comment: 'an Ed25519 cosignature/v1 at 2026-01-01',
      requirements: ['E2EE-LOG-050'],
      in: cin,
      expect: { result: 'valid', cosigners: [w.name] },
    });
    const bad = cosigned.replace(
      /(\u2014 vectors\.sealfold\.example\/witness )(\S)/,
      (_m, p: string, c: string) => p + (c === 'A' ? 'B' : 'A'),
    );
    b.add({
      slug: 'cosignature-tampered',
      comment: 'the cosignature changed',
      flags: ['Tampered'],
      requirements: ['E2EE-LOG-050'],
      in: { ...cin, noteWire: bad },
      expect: { result: 'invalid', error: 'LOG_SIGNATURE_INVALID' },
    });
    b.group({ operation: 'tile' });
    // A level-1 tile needs a full level-0 tile below it: 256 short key entries.
    const wide = Array.from({ length: 256 }, (_, i) =>
      encodeLogEntry({
        kind: 'key',
        userId: `u${i}`,
        certificateHash: hex(ctx.rng(`tile-${i}`)(32)),
      }),
    );
    for (const [tree, size, level, index, comment] of [
      [entries, 13, 0, 0, 'the partial level-0 tile of a tree of 13: its 13 leaf hashes'],
      [entries, 7, 0, 0, 'the partial level-0 tile of the older tree of 7'],
      [wide, 256, 1, 0, 'a tree of 256: one level-1 hash, the root of the full level-0 tile'],
    ] as const) {
      const width = Math.min(256, Math.floor(size / 256 ** level) - index * 256);
      const t = { level, index, width };
      b.add({
        slug: `tile-${level}-${index}-width-${width}`,
        comment,
        requirements: ['E2EE-LOG-120'],
        in: { entryHexList: tree.slice(0, size).map(hex), size, level, tileIndex: index, width },
        expect: {
          result: 'valid',
          tilePath: tilePath(t),
          tileHex: hex(tileHashes(tree.slice(0, size).map(leafHash), t)),
        },
      });
    }
    b.group({ operation: 'tile-inclusion' });
    const tile13 = tileHashes(leaves, { level: 0, index: 0, width: 13 });
    const fromTiles = {
      tileHexList: [hex(tile13)],
      entryHexList: [entryHexList[5]!],
      index: 5,
      size: 13,
      rootHex: hex(rootHash(leaves)),
    };
    b.add({
      slug: 'tile-inclusion-5-of-13',
      comment: 'the inclusion proof of entry 5 computed from the one tile of a tree of 13',
      requirements: ['E2EE-LOG-121'],
      in: fromTiles,
      expect: { result: 'valid', proofHexList: inclusionProof(leaves, 5).map(hex) },
    });
    b.add({
      slug: 'tile-inclusion-5-of-13-tampered',
      comment:
        "entry 4's leaf hash in the tile changed: the computed proof does not reach the root",
      flags: ['Tampered'],
      requirements: ['E2EE-LOG-121'],
      in: { ...fromTiles, tileHexList: [hex(tile13.map((x, i) => (i === 4 * 32 ? x ^ 1 : x)))] },
      expect: { result: 'invalid', error: 'LOG_PROOF_INVALID' },
    });
    return b.file;
  },
  async run(test, group) {
    const i = test.in as Record<string, unknown>;
    const hashes = (k: string) => (i[k] as string[]).map(unhex);
    if (group.params['operation'] === 'tile-inclusion') {
      // Tiles of level 0 in order; a reader that fetches anything else fails the vector.
      const tiles = hashes('tileHexList');
      const reader = tileReader(async (level, index, width) => {
        const t = level === 0 ? tiles[index] : undefined;
        if (t === undefined || t.length !== width * 32)
          throw new Error(`the vector has no tile ${tilePath({ level, index, width })}`);
        return t;
      });
      return verdict(async () => ({
        proofHexList: (
          await tileInclusionProof(
            reader,
            i['size'] as number,
            i['index'] as number,
            leafHash(hashes('entryHexList')[0]!),
            unhex(i['rootHex'] as string),
          )
        ).map(hex),
      }));
    }
    return verdict(() => {
      switch (group.params['operation']) {
        case 'tile': {
          const t = {
            level: i['level'] as number,
            index: i['tileIndex'] as number,
            width: i['width'] as number,
          };
          return {
            tilePath: tilePath(t),
            tileHex: hex(tileHashes(hashes('entryHexList').map(leafHash), t)),
          };
        }
        case 'inclusion': {
          const leaves = hashes('entryHexList').map(leafHash);
          verifyInclusion(
            i['index'] as number,
            i['size'] as number,
            leaves[i['index'] as number]!,
            hashes('proofHexList'),
            unhex(i['rootHex'] as string),
          );
          return {};
        }
        case 'consistency':
          verifyConsistency(
            i['oldSize'] as number,
            i['size'] as number,
            hashes('proofHexList'),
            unhex(i['oldRootHex'] as string),
            unhex(i['rootHex'] as string),
          );
          return {};
        case 'checkpoint': {
          const cp = openCheckpoint(
            i['noteWire'] as string,
            parseVerifierKey(i['verifierKeyWire'] as string),
          );
          return { size: cp.size, rootHex: hex(cp.root) };
        }
        case 'cosignature': {
          const cp = openCheckpoint(
            i['noteWire'] as string,
            parseVerifierKey(i['verifierKeyWire'] as string),
          );
          const v = cosignatureVerifier(
            i['cosignerName'] as string,
            unhex(i['cosignerPublicKeyHex'] as string),
          );
          return { cosigners: verifyCosignatures(cp.note, [v], 1) };
        }
        default:
          throw new Error(`unknown operation ${String(group.params['operation'])}`);
      }
    });
  },
};
