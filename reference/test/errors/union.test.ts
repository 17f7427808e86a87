/**
 * AnySealfoldError narrows on `code` (spec/01-errors.md). The type assertions are checked by
 * `tsc` (the test files are part of the typecheck); the run-time assertions check that the
 * narrowing guards agree with the values.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  E2EE_CODES,
  FIXED_MESSAGE_CODES,
  isSealfoldError,
  SealfoldError,
  type AnySealfoldError,
  type E2eeCode,
} from '../../src/errors/index.js';

/** What a caller writes: one branch per code it cares about; `never` proves exhaustiveness. */
function describeCode(e: AnySealfoldError): string {
  switch (e.code) {
    case 'COUNTER_ROLLBACK':
      expectTypeOf(e).toEqualTypeOf<SealfoldError<'COUNTER_ROLLBACK'>>();
      return 'rollback';
    case 'SIGNATURE_INVALID':
    case 'AEAD_TAG_MISMATCH':
      expectTypeOf(e.code).toEqualTypeOf<'SIGNATURE_INVALID' | 'AEAD_TAG_MISMATCH'>();
      return 'authentication';
    default: {
      expectTypeOf(e.code).not.toEqualTypeOf<E2eeCode>();
      // @ts-expect-error: COUNTER_ROLLBACK was handled above, so it is not left here.
      const handled: SealfoldError<'COUNTER_ROLLBACK'> = e;
      void handled;
      return 'other';
    }
  }
}

describe('AnySealfoldError', () => {
  it('is a union of one SealfoldError per code, narrowed by a switch on code', () => {
    expectTypeOf<AnySealfoldError['code']>().toEqualTypeOf<E2eeCode>();
    expectTypeOf<Extract<AnySealfoldError, { code: 'DOWNGRADE' }>>().toEqualTypeOf<
      SealfoldError<'DOWNGRADE'>
    >();
    expect(describeCode(new SealfoldError('COUNTER_ROLLBACK'))).toBe('rollback');
    expect(describeCode(new SealfoldError('SIGNATURE_INVALID'))).toBe('authentication');
    expect(describeCode(new SealfoldError('NOT_FOUND'))).toBe('other');
  });

  it('isSealfoldError narrows an unknown to the union, or with a code to that code', () => {
    const caught: unknown = new SealfoldError('KEY_CHANGED', 'the pinned key differs');
    if (!isSealfoldError(caught)) throw new Error('expected a SealfoldError');
    expectTypeOf(caught).toEqualTypeOf<AnySealfoldError>();
    expect(describeCode(caught)).toBe('other');
    const again: unknown = caught;
    if (isSealfoldError(again, 'KEY_CHANGED')) {
      expectTypeOf(again.code).toEqualTypeOf<'KEY_CHANGED'>();
      expect(again.code).toBe('KEY_CHANGED');
    } else throw new Error('expected KEY_CHANGED');
    expect(isSealfoldError(again, 'NOT_FOUND')).toBe(false);
    expect(isSealfoldError(new Error('x'))).toBe(false);
  });

  it('E2EE-SEC-002: the fixed-message codes are the three authentication failures, with messages that name no data', () => {
    expect([...FIXED_MESSAGE_CODES].sort()).toEqual([
      'AEAD_TAG_MISMATCH',
      'KEY_UNWRAP_FAILED',
      'SIGNATURE_INVALID',
    ]);
    for (const code of FIXED_MESSAGE_CODES) {
      expect(E2EE_CODES).toContain(code);
      // A caller's message is ignored only when none is given; the default is the fixed one.
      expect(new SealfoldError(code).message).not.toBe(code);
    }
  });
});
