import { describe, expect, it } from 'vitest';
import {
  E2EE_CODES,
  SealfoldError,
  isE2eeCode,
  isSealfoldError,
  typed,
  typedAsync,
} from '../src/errors/index.js';

describe('errors', () => {
  it('E2EE-SEC-001: typed() turns a foreign exception into the given code and keeps the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    let caught: unknown;
    try {
      typed('METADATA_MALFORMED', 'metadata document is not JSON', () => {
        throw cause;
      });
    } catch (e) {
      caught = e;
    }
    expect(isSealfoldError(caught, 'METADATA_MALFORMED')).toBe(true);
    expect((caught as SealfoldError).message).toBe('metadata document is not JSON');
    expect((caught as SealfoldError).cause).toBe(cause);
  });

  it('E2EE-SEC-001: typed() passes a SealfoldError through unchanged', async () => {
    const inner = new SealfoldError('KEY_MISMATCH', 'x');
    expect(() =>
      typed('INPUT_MALFORMED', 'outer', () => {
        throw inner;
      }),
    ).toThrow(inner);
    await expect(
      typedAsync('INPUT_MALFORMED', 'outer', () => Promise.reject(new Error('y'))),
    ).rejects.toMatchObject({ code: 'INPUT_MALFORMED', message: 'outer' });
  });

  it('E2EE-SEC-002: authentication failures carry a fixed message', () => {
    for (const code of ['AEAD_TAG_MISMATCH', 'KEY_UNWRAP_FAILED', 'SIGNATURE_INVALID'] as const) {
      const e = new SealfoldError(code);
      expect(e.message).not.toBe(code);
      expect(e.message).toBe(new SealfoldError(code).message);
    }
  });

  it('E2EE-SEC-001: the code list is closed and has no duplicates', () => {
    expect(new Set(E2EE_CODES).size).toBe(E2EE_CODES.length);
    expect(isE2eeCode('AEAD_TAG_MISMATCH')).toBe(true);
    expect(isE2eeCode('aead_tag_mismatch')).toBe(false);
    expect(isE2eeCode(42)).toBe(false);
  });
});
