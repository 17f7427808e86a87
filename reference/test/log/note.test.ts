/**
 * C2SP signed notes, checkpoints and cosignatures: the published example verifies with its
 * verifier key; unknown keys are ignored, a failing known key rejects, no known key rejects;
 * checkpoints parse strictly; witness cosignatures are counted against k.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatVerifierKey,
  noteSignerFromSeed,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
  signatureLine,
} from '../../src/log/note.js';
import { formatCheckpoint, openCheckpoint, parseCheckpointText } from '../../src/log/checkpoint.js';
import {
  cosignCheckpoint,
  cosignerFromSeed,
  verifyCosignatures,
} from '../../src/log/cosignature.js';
import { rootHash, leafHash } from '../../src/log/merkle.js';
import { code } from '../_support/codes.js';

const c2sp = JSON.parse(
  readFileSync(new URL('./testdata/c2sp-signed-note.json', import.meta.url), 'utf8'),
) as { verifierKey: string; note: string; checkpointNote: string };

const seed = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const log = noteSignerFromSeed('sealfold.test/log', seed(1));
const other = noteSignerFromSeed('sealfold.test/log', seed(2));

describe('signed notes (C2SP signed-note)', () => {
  it('the C2SP example note verifies with the example verifier key', () => {
    const v = parseVerifierKey(c2sp.verifierKey);
    expect(formatVerifierKey(v)).toBe(c2sp.verifierKey);
    expect(openNote(c2sp.note, [v]).text).toBe('This is an example message.\n');
  });
  it('E2EE-LOG-801: a changed text, a changed key ID or a changed key in the vkey fails', () => {
    const v = parseVerifierKey(c2sp.verifierKey);
    expect(code(() => openNote(c2sp.note.replace('example message', 'example massage'), [v]))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
    expect(code(() => parseVerifierKey(c2sp.verifierKey.replace('530d903a', '530d903b')))).toBe(
      'LOG_NOTE_MALFORMED',
    );
  });
  it('property: every Ed25519 verifier key round-trips (its base64 may contain "+")', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sd) => {
        const v = noteSignerFromSeed('sealfold.test/k', sd).verifier;
        const again = parseVerifierKey(formatVerifierKey(v));
        expect(again.keyId).toBe(v.keyId);
        expect(again.publicKey).toEqual(v.publicKey);
      }),
      { numRuns: 200 },
    );
  });
  it('E2EE-LOG-800: E2EE-LOG-801: signature lines from unknown keys are ignored; no known signature rejects the note', () => {
    const note = signNote('hello\n', [other, log]);
    expect(openNote(note, [log.verifier]).signedBy).toEqual([log.verifier]);
    // `other` has the same name but another key ID: ignored, so only its note is refused.
    expect(code(() => openNote(signNote('hello\n', [other]), [log.verifier]))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
  });
  it('E2EE-LOG-801: a known key whose signature fails rejects the whole note even if another known key signed', () => {
    const bad = `hello\n\n${signatureLine(log.name, log.keyId, new Uint8Array(64))}`;
    const both = bad + signatureLine(other.name, other.keyId, other.sign('hello\n'));
    expect(code(() => openNote(both, [log.verifier, other.verifier]))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
  });
  it('E2EE-LOG-802: malformed notes are LOG_NOTE_MALFORMED: no blank line, control characters, bad lines', () => {
    for (const s of [
      'hello\n— a AAAAAAA=\n',
      'hel\u0001lo\n\n— a AAAAAAA=\n',
      'hello\n\n- a AAAAAAA=\n',
      'hello\n\n— a+b AAAAAAA=\n',
      'hello\n\n— a AAAA\n',
      'hello\n\n— a AAAAAAA=',
    ]) {
      expect(
        code(() => parseNote(s)),
        JSON.stringify(s),
      ).toBe('LOG_NOTE_MALFORMED');
    }
  });
  it('E2EE-LOG-801: property: any text signed verifies, and any one-character change of the text fails', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9 ]{1,40}$/), fc.nat(), (t, i) => {
        const text = `${t}\n`;
        const note = signNote(text, [log]);
        expect(openNote(note, [log.verifier]).text).toBe(text);
        const j = i % t.length;
        const changed = text.slice(0, j) + (text[j] === 'x' ? 'y' : 'x') + text.slice(j + 1);
        expect(code(() => openNote(changed + note.slice(text.length), [log.verifier]))).toBe(
          'LOG_SIGNATURE_INVALID',
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('E2EE-LOG-021 E2EE-LOG-022 checkpoints (C2SP tlog-checkpoint)', () => {
  it('the C2SP example checkpoint text parses', () => {
    const { text } = parseNote(c2sp.checkpointNote);
    const cp = parseCheckpointText(text);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(formatCheckpoint(cp)).toBe(text);
  });
  it('extension lines, leading zeros, short roots and missing lines are refused', () => {
    const root = Buffer.alloc(32).toString('base64');
    for (const t of [
      `o\n1\n${root}\next\n`,
      `o\n01\n${root}\n`,
      `o\n1\nAAAA\n`,
      `o\n1\n`,
      `\n1\n${root}\n`,
      `o\n-1\n${root}\n`,
    ]) {
      expect(
        code(() => parseCheckpointText(t)),
        t,
      ).toBe('LOG_NOTE_MALFORMED');
    }
  });
  it('a checkpoint must be signed by the log key and name the log as origin', () => {
    const root = rootHash([leafHash(Uint8Array.of(1))]);
    const text = formatCheckpoint({ origin: log.name, size: 1, root });
    expect(openCheckpoint(signNote(text, [log]), log.verifier).size).toBe(1);
    expect(code(() => openCheckpoint(signNote(text, [other]), log.verifier))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
    const foreign = noteSignerFromSeed('elsewhere.test/log', seed(1));
    const t2 = formatCheckpoint({ origin: 'elsewhere.test/log', size: 1, root });
    expect(code(() => openCheckpoint(signNote(t2, [log]), log.verifier))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
    void foreign;
  });
});

describe('E2EE-LOG-050 E2EE-LOG-051 witness cosignatures (C2SP tlog-cosignature)', () => {
  const text = formatCheckpoint({ origin: log.name, size: 1, root: leafHash(Uint8Array.of(1)) });
  const note = signNote(text, [log]);
  const w1 = cosignerFromSeed('witness.test/w1', seed(3));
  const w2 = cosignerFromSeed('witness.test/w2', seed(4));
  it('k of the trusted witnesses must have cosigned', () => {
    const cosigned = note + cosignCheckpoint(text, w1, 1_700_000_000);
    expect(verifyCosignatures(cosigned, [w1.verifier, w2.verifier], 1)).toEqual([
      'witness.test/w1',
    ]);
    expect(code(() => verifyCosignatures(cosigned, [w1.verifier, w2.verifier], 2))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
    // the log's own signature line is not a cosignature
    expect(code(() => verifyCosignatures(note, [w1.verifier], 1))).toBe('LOG_SIGNATURE_INVALID');
  });
  it('a cosignature over another checkpoint, or with a changed timestamp, fails', () => {
    const text2 = formatCheckpoint({ origin: log.name, size: 2, root: leafHash(Uint8Array.of(2)) });
    const moved = note + cosignCheckpoint(text2, w1, 1_700_000_000);
    expect(code(() => verifyCosignatures(moved, [w1.verifier], 1))).toBe('LOG_SIGNATURE_INVALID');
    const sig = w1.cosign(text, 1_700_000_000);
    sig[7] ^= 1;
    const retimed = note + signatureLine(w1.name, w1.keyId, sig);
    expect(code(() => verifyCosignatures(retimed, [w1.verifier], 1))).toBe('LOG_SIGNATURE_INVALID');
  });
});
