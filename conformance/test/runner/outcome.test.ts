import { describe, expect, it } from 'vitest';
import { classify } from '../../src/runner/outcome.js';
import { CheckFailure, CheckSkipped, CheckUnsupported } from '../../src/server/check.js';

describe('status mapping (E2EE-CONF-003, E2EE-CONF-004)', () => {
  const fail = new CheckFailure('counter 3 accepted after 5', {
    expected: 403,
    actual: 200,
    replay: { seed: 7, path: '1:2', commands: ['lock(alice)'] },
  });

  it('E2EE-CONF-003: a completed check is PASS', () => {
    expect(classify('MUST', { kind: 'completed' }, false)).toEqual({ status: 'PASS' });
  });

  it('E2EE-CONF-003: a violated MUST / MUST NOT / MAY is FAIL with expected, actual and replay', () => {
    for (const level of ['MUST', 'MUST NOT', 'MAY'] as const) {
      expect(classify(level, { kind: 'threw', error: fail }, false)).toEqual({
        status: 'FAIL',
        message: 'counter 3 accepted after 5',
        expected: 403,
        actual: 200,
        replay: { seed: 7, path: '1:2', commands: ['lock(alice)'] },
      });
    }
  });

  it('E2EE-CONF-003: a violated SHOULD / SHOULD NOT is WARN, and FAIL under --strict', () => {
    for (const level of ['SHOULD', 'SHOULD NOT'] as const) {
      expect(classify(level, { kind: 'threw', error: fail }, false).status).toBe('WARN');
      expect(classify(level, { kind: 'threw', error: fail }, true).status).toBe('FAIL');
    }
  });

  it('E2EE-CONF-003: CheckSkipped is SKIP with its reason, CheckUnsupported is UNSUPPORTED', () => {
    expect(classify('MUST', { kind: 'threw', error: new CheckSkipped('no admin') }, false)).toEqual(
      { status: 'SKIP', reason: 'no admin' },
    );
    expect(
      classify('MUST', { kind: 'threw', error: new CheckUnsupported('501 from server') }, false)
        .status,
    ).toBe('UNSUPPORTED');
  });

  it('E2EE-CONF-003: any other exception is ERROR, never FAIL', () => {
    const c = classify('MUST', { kind: 'threw', error: new TypeError('fetch failed') }, true);
    expect(c.status).toBe('ERROR');
    expect(c.message).toBe('TypeError: fetch failed');
    expect(classify('MUST', { kind: 'threw', error: 'a string' }, false).status).toBe('ERROR');
  });

  it('E2EE-CONF-004: running out of time is TIMEOUT', () => {
    expect(classify('MUST', { kind: 'timeout', afterMs: 200 }, false)).toEqual({
      status: 'TIMEOUT',
      message: 'no result within 200 ms',
    });
  });
});
