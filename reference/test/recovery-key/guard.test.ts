/**
 * The client's pin-and-consent gate (spec/20-recovery-key.md §4, §5, §8), without HTTP: the
 * adversarial HTTP tests are in `reference/test/client/recovery-key.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import {
  RecoveryKeyGuard,
  RECOVERY_MEMBER,
  wrapForRecovery,
} from '../../src/recovery-key/index.js';
import { adminKeys, statementFor } from './_fixtures.js';

const keys = adminKeys();
const other = adminKeys();
const anchor = { signerKeySha256: keys.signerKeySha256 };
const guard = () => new RecoveryKeyGuard({ userId: 'alice', anchor });

describe('pinning and events', () => {
  it('E2EE-RKEY-020 E2EE-RKEY-021: first valid policy is offered and pinned; the same again is silent', () => {
    const g = guard();
    const st = statementFor(keys);
    const ev = g.observe(st)!;
    expect(ev).toMatchObject({ kind: 'recovery-key-offered', serial: 1, applies: true });
    expect(ev.recoveryKeySha256).toBe(g.pin!.recoveryKeySha256);
    expect(g.observe(st)).toBeUndefined();
    expect(g.observe(null)).toMatchObject({ kind: 'recovery-key-withdrawn' });
  });

  it('E2EE-RKEY-021: a lower serial, or the same serial with other bytes, is RECOVERY_KEY_CHANGED', () => {
    const g = guard();
    g.observe(statementFor(keys, { serial: 2 }));
    expect(g.observe(statementFor(keys, { serial: 1 }))).toMatchObject({
      kind: 'recovery-key-rejected',
      code: 'RECOVERY_KEY_CHANGED',
    });
    expect(
      g.observe(statementFor(keys, { serial: 2, recoveryKey: other.recoverySpki })),
    ).toMatchObject({ kind: 'recovery-key-rejected', code: 'RECOVERY_KEY_CHANGED' });
  });

  it('E2EE-RKEY-060: a newer policy by the pinned signer is a change; by another signer a rejection', () => {
    const g = guard();
    g.observe(statementFor(keys));
    // Anchored by the user-confirmed recovery key, but signed by a new signer: rejected.
    const g2 = new RecoveryKeyGuard({
      userId: 'alice',
      anchor: { recoveryKeySha256: g.pin!.recoveryKeySha256 },
    });
    g2.observe(statementFor(keys));
    expect(g2.observe(statementFor(keys, { serial: 2 }, other.signing))).toMatchObject({
      kind: 'recovery-key-rejected',
      code: 'RECOVERY_KEY_CHANGED',
    });
    expect(
      g.observe(statementFor(keys, { serial: 2, recoveryKey: other.recoverySpki })),
    ).toMatchObject({ kind: 'recovery-key-changed', serial: 2 });
    expect(g.observe(statementFor(keys, { serial: 3, status: 'retired' }))).toMatchObject({
      kind: 'recovery-key-retired',
    });
  });
});

describe('consent', () => {
  it('E2EE-RKEY-022: nothing is wrapped before consent, and only for the consented folder', () => {
    const g = guard();
    g.observe(statementFor(keys));
    expect(g.targetFor('100')).toBeUndefined();
    g.consent('100', g.pin!.recoveryKeySha256);
    expect(g.targetFor('100')?.recoveryKeySha256).toBe(g.pin!.recoveryKeySha256);
    expect(g.targetFor('101')).toBeUndefined();
  });

  it('E2EE-RKEY-803: E2EE-RKEY-804: a change, withdrawal or rejection stops wrapping; a change voids consent', () => {
    const g = guard();
    g.observe(statementFor(keys));
    g.consent('100', g.pin!.recoveryKeySha256);
    g.observe(null);
    expect(g.targetFor('100')).toBeUndefined();
    g.observe(statementFor(keys));
    expect(g.targetFor('100')).toBeDefined();
    g.observe('{"format":"sealfold-recovery-statement/1"}');
    expect(g.targetFor('100')).toBeUndefined();
    g.observe(statementFor(keys));
    g.observe(statementFor(keys, { serial: 2, recoveryKey: other.recoverySpki }));
    expect(g.targetFor('100')).toBeUndefined();
    expect(g.consented('100')).toBe(false);
    g.observe(statementFor(keys, { serial: 3, status: 'retired' }));
    expect(() => g.consent('100', g.pin!.recoveryKeySha256)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
  });

  it('E2EE-RKEY-024: consent needs a pinned applicable policy and the pinned fingerprint', () => {
    const g = guard();
    expect(() => g.consent('100', 'ab'.repeat(32))).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    g.observe(statementFor(keys));
    expect(() => g.consent('100', 'ab'.repeat(32))).toThrow(
      expect.objectContaining({ code: 'RECOVERY_KEY_CHANGED' }),
    );
    const scoped = guard();
    scoped.observe(statementFor(keys, { scopeUsers: ['bob'] }));
    expect(() => scoped.consent('100', scoped.pin!.recoveryKeySha256)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
  });
});

describe('the wrap check of a consented folder', () => {
  it('E2EE-RKEY-032 E2EE-RKEY-033: a missing or foreign wrap is reported with RECOVERY_WRAP_MISSING', () => {
    const g = guard();
    g.observe(statementFor(keys));
    expect(g.checkFolder('100', {})).toBeUndefined(); // not consented: nothing to say
    g.consent('100', g.pin!.recoveryKeySha256);
    expect(g.checkFolder('100', {})).toMatchObject({
      kind: 'recovery-wrap-missing',
      code: 'RECOVERY_WRAP_MISSING',
      rootId: '100',
    });
    const target = g.targetFor('100')!;
    const k = new Uint8Array(16).fill(7);
    k[0] = 1;
    expect(
      g.checkFolder('100', { [RECOVERY_MEMBER]: wrapForRecovery(target, '100', k) }),
    ).toBeUndefined();
    const foreign = { ...target, policySha256: 'cd'.repeat(32) };
    expect(
      g.checkFolder('100', { [RECOVERY_MEMBER]: wrapForRecovery(foreign, '100', k) }),
    ).toMatchObject({ code: 'RECOVERY_WRAP_MISSING' });
  });
});

describe('persistence', () => {
  it('E2EE-RKEY-021 E2EE-RKEY-022: pin and consents survive a snapshot and restore; a later swap is still caught', () => {
    const g = guard();
    g.observe(statementFor(keys, { serial: 4 }));
    g.consent('100', g.pin!.recoveryKeySha256);
    const back = RecoveryKeyGuard.restore(JSON.parse(JSON.stringify(g.snapshot())), {
      userId: 'alice',
      anchor,
    });
    expect(back.targetFor('100')).toEqual(g.targetFor('100'));
    expect(back.targetFor('101')).toBeUndefined();
    expect(back.observe(statementFor(keys, { serial: 3 }))).toMatchObject({
      code: 'RECOVERY_KEY_CHANGED',
    });
    expect(back.targetFor('100')).toBeUndefined();
  });
});

describe('time', () => {
  it('E2EE-RKEY-012: a policy not yet in force gives no recipient until its notBefore has passed', () => {
    let now = new Date('2026-06-01T00:00:00Z');
    const g = new RecoveryKeyGuard({ userId: 'alice', anchor, now: () => now });
    const st = statementFor(keys, { notBefore: '2026-07-01T00:00:00Z' });
    expect(g.observe(st)).toMatchObject({ kind: 'recovery-key-offered', applies: false });
    expect(() => g.consent('100', g.pin!.recoveryKeySha256)).toThrow(
      expect.objectContaining({ code: 'RECOVERY_POLICY_INVALID' }),
    );
    now = new Date('2026-07-02T00:00:00Z');
    expect(g.observe(st)).toBeUndefined();
    g.consent('100', g.pin!.recoveryKeySha256);
    expect(g.targetFor('100')).toBeDefined();
  });
});
