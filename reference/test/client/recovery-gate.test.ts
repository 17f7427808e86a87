/**
 * The recovery-key gate kept in the client's state store (spec/20-recovery-key.md §4.1): pins,
 * consents and warnings survive a restart (a new gate over the same state file), a restored gate
 * wraps nothing until it saw the pinned policy again, and every refused input (a swapped,
 * unanchored or unsigned statement, a consent to another key) leaves the file byte-identical.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PersistentRecoveryGate } from '../../src/client/index.js';
import { FileStateStore, MemoryStateStore } from '../../src/state/index.js';
import { adminKeys, statementFor } from '../recovery-key/_fixtures.js';

const admin = adminKeys();
const attacker = adminKeys();
const dir = mkdtempSync(join(tmpdir(), 'sealfold-gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function fresh() {
  const path = join(dir, `state-${++n}.json`);
  const state = new FileStateStore(path);
  const load = () =>
    PersistentRecoveryGate.load({
      state,
      userId: 'alice',
      serverId: 'https://cloud.example',
      anchor: { signerKeySha256: admin.signerKeySha256 },
    });
  return { path, state, load, bytes: () => readFileSync(path) };
}

/** The statement with its signature member emptied (the mock cannot store such a statement). */
function unsigned(statement: string): string {
  return JSON.stringify({ ...(JSON.parse(statement) as object), signature: '' });
}

describe('the persisted recovery-key gate', () => {
  it('E2EE-RKEY-100: pin, consent and warnings survive a restart', async () => {
    const f = fresh();
    const gate = await f.load();
    expect(await gate.observe(statementFor(admin))).toMatchObject({
      kind: 'recovery-key-offered',
    });
    await gate.consent('101', gate.pin!.recoveryKeySha256);
    expect(gate.targetFor('101')).toBeDefined();
    const again = await f.load();
    expect(again.pin?.recoveryKeySha256).toBe(gate.pin!.recoveryKeySha256);
    expect(again.consented('101')).toBe(true);
    expect(again.consented('102')).toBe(false);
    expect(again.warnings().map((w) => w.kind)).toEqual(['recovery-key-offered']);
  });

  it('E2EE-RKEY-102: a restored gate wraps nothing until it saw the pinned policy again', async () => {
    const f = fresh();
    const gate = await f.load();
    await gate.observe(statementFor(admin));
    await gate.consent('101', gate.pin!.recoveryKeySha256);
    const restarted = await f.load();
    expect(restarted.targetFor('101')).toBeUndefined();
    // A consent before the look is refused too: the user consents to what is served now.
    await expect(restarted.consent('102', gate.pin!.recoveryKeySha256)).rejects.toMatchObject({
      code: 'RECOVERY_POLICY_INVALID',
    });
    const before = f.bytes();
    expect(await restarted.observe(statementFor(admin))).toBeUndefined();
    expect(restarted.targetFor('101')?.recoveryKeySha256).toBe(gate.pin!.recoveryKeySha256);
    // Seeing the pinned policy again writes nothing.
    expect(f.bytes()).toEqual(before);
  });

  it('E2EE-RKEY-101: a swapped, unanchored or unsigned statement and a consent to another key leave the store byte-identical', async () => {
    const f = fresh();
    const gate = await f.load();
    await gate.observe(statementFor(admin));
    await gate.consent('101', gate.pin!.recoveryKeySha256);
    const before = f.bytes();
    const otherKey = createHash('sha256').update(attacker.recoverySpki).digest('hex');
    await expect(gate.consent('102', otherKey)).rejects.toMatchObject({
      code: 'RECOVERY_KEY_CHANGED',
    });
    expect(f.bytes()).toEqual(before);
    const refused = [
      statementFor(admin, { serial: 2, recoveryKey: attacker.recoverySpki }, attacker.signing),
      statementFor(attacker),
      unsigned(statementFor(admin, { serial: 2 })),
      statementFor(admin, { serial: 1, recoveryKey: attacker.recoverySpki }),
    ];
    for (const st of refused) {
      const ev = await gate.observe(st);
      expect(ev?.kind).toBe('recovery-key-rejected');
      expect(f.bytes()).toEqual(before);
      // E2EE-RKEY-023: nothing is wrapped while the served statement is refused.
      expect(gate.targetFor('101')).toBeUndefined();
    }
    expect(gate.warnings().filter((w) => w.kind === 'recovery-key-rejected')).toHaveLength(4);
    // The refusals were not stored: a restart shows the pin and consent, not the rejections.
    const restarted = await f.load();
    expect(restarted.warnings().map((w) => w.kind)).toEqual(['recovery-key-offered']);
    expect(restarted.consented('101')).toBe(true);
  });

  it('E2EE-RKEY-100 E2EE-RKEY-023: a changed key voids the stored consents; withdrawal is kept as a warning', async () => {
    const state = new MemoryStateStore();
    const opts = {
      state,
      userId: 'alice',
      serverId: 's',
      anchor: { signerKeySha256: admin.signerKeySha256 },
    };
    const gate = await PersistentRecoveryGate.load(opts);
    await gate.observe(statementFor(admin));
    await gate.consent('7', gate.pin!.recoveryKeySha256);
    expect(
      await gate.observe(statementFor(admin, { serial: 2, recoveryKey: attacker.recoverySpki })),
    ).toMatchObject({ kind: 'recovery-key-changed' });
    expect((await PersistentRecoveryGate.load(opts)).consented('7')).toBe(false);
    expect(await gate.observe(null)).toMatchObject({ kind: 'recovery-key-withdrawn' });
    expect((await PersistentRecoveryGate.load(opts)).warnings().map((w) => w.kind)).toEqual([
      'recovery-key-offered',
      'recovery-key-changed',
      'recovery-key-withdrawn',
    ]);
  });

  it('E2EE-RKEY-100: a stored value of another shape fails closed', async () => {
    const state = new MemoryStateStore();
    await state.set('client/alice/recovery-key/s', { format: 'other' });
    await expect(
      PersistentRecoveryGate.load({ state, userId: 'alice', serverId: 's' }),
    ).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
  });
});
