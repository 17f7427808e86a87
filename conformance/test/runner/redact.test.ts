import { describe, expect, it } from 'vitest';
import { Redactor, secretToken } from '../../src/runner/redact.js';

describe('redaction at record time (E2EE-CONF-060)', () => {
  const secret = 'Tr0ub4dor&3-horse battery';
  const r = new Redactor();
  r.add(secret, 'alice');

  it('E2EE-CONF-060: replaces a secret and its URL, JSON and Base64 spellings', () => {
    const b64 = Buffer.from(secret).toString('base64');
    const text = `a=${encodeURIComponent(secret)} b=${JSON.stringify(secret)} c=${b64} d=${secret}`;
    const out = r.text(text);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain(b64);
    expect(out.split(secretToken('alice')).length - 1).toBe(4);
  });

  it('E2EE-CONF-060: credential headers are replaced whatever they hold', () => {
    const h = r.headers(
      { Authorization: 'Basic eHl6', cookie: 'oc_sessionPassphrase=abc', 'x-other': secret },
      'bob',
    );
    expect(h).toEqual({
      Authorization: '«secret:bob»',
      cookie: '«secret:bob»',
      'x-other': '«secret:alice»',
    });
  });

  it('E2EE-CONF-060: password-like form and JSON fields are replaced even when not planted', () => {
    expect(r.body('uid=x&password=hunter22', 'application/x-www-form-urlencoded')).toBe(
      'uid=x&password=%C2%ABsecret%3Apassword%C2%BB',
    );
    expect(JSON.parse(r.body('{"uid":"x","mnemonic":"a b c"}', 'application/json')!)).toEqual({
      uid: 'x',
      mnemonic: '«secret:mnemonic»',
    });
    // Untouched bodies keep their exact bytes (key order, whitespace are evidence).
    expect(r.body('{ "b":1,"a":2 }', 'application/json')).toBe('{ "b":1,"a":2 }');
  });

  it('E2EE-CONF-060: deep values are redacted, keys included, without prototype tricks', () => {
    const v = r.value({ [secret]: [secret], ['__proto__']: { x: secret } } as Record<
      string,
      unknown
    >);
    expect(JSON.stringify(v)).not.toContain(secret);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('E2EE-CONF-060: finds a secret inside binary bytes', () => {
    const bytes = new Uint8Array([0xff, 0xfe, ...Buffer.from(secret), 0x00]);
    expect(r.leaksIn(bytes)).toBe('alice');
    expect(r.leaksIn(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

describe('short secrets (E2EE-CONF-060)', () => {
  it('E2EE-CONF-060: a short password is still redacted', () => {
    const r = new Redactor();
    r.add('pw42', 'bob');
    expect(r.text('login pw42 failed')).toBe('login «secret:bob» failed');
  });
});
