import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PEM_LINE_WIDTH, pemDecode, pemEncode } from '../../src/pem/index.js';
import { code } from '../_support/codes.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';

const DER = new Uint8Array(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff));

/** Re-wraps a PEM body with the given width, line ending and final newline. */
function rewrap(label: string, der: Uint8Array, width: number, eol: string, final: boolean) {
  const b64 = Buffer.from(der).toString('base64');
  const lines = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  lines.push(`-----END ${label}-----`);
  return lines.join(eol) + (final ? eol : '');
}

describe('pemEncode', () => {
  it('E2EE-KEY-010: writes 64-character lines, the label, and a final newline', () => {
    const pem = pemEncode('CERTIFICATE', DER);
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-2)).toBe('-----END CERTIFICATE-----');
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -2);
    for (const l of body.slice(0, -1)) expect(l.length).toBe(PEM_LINE_WIDTH);
    expect(body.at(-1)!.length).toBeGreaterThan(0);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(PEM_LINE_WIDTH);
    expect(pem).not.toContain('\r');
    expect(pemDecode(pem, 'CERTIFICATE')).toEqual(DER);
  });

  it('E2EE-KEY-010: equals the strict RFC 7468 form that OpenSSL writes', () => {
    expect(pemEncode('PUBLIC KEY', DER)).toBe(rewrap('PUBLIC KEY', DER, 64, '\n', true));
  });

  it('rejects empty DER and bad arguments with TypeError / RangeError', () => {
    expect(() => pemEncode('X', new Uint8Array(0))).toThrow(RangeError);
    expect(() => pemEncode('X', [1, 2] as any)).toThrow(TypeError);
    expect(() => pemEncode('BAD-LABEL', DER)).toThrow(TypeError);
    expect(() => pemDecode('x', 42 as any)).toThrow(TypeError);
  });

  it('E2EE-KEY-010: round trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (der) => {
        expect(pemDecode(pemEncode('PRIVATE KEY', der), 'PRIVATE KEY')).toEqual(der);
      }),
      { numRuns: 100 },
    );
  });
});

describe('pemDecode tolerances (E2EE-KEY-011)', () => {
  const T = 'CERTIFICATE';
  it('E2EE-KEY-011: any-line-width (Android wraps at 65 and 76)', () => {
    for (const w of [1, 63, 65, 76, 128])
      expect(pemDecode(rewrap(T, DER, w, '\n', true), T)).toEqual(DER);
  });
  it('E2EE-KEY-011: single-line-body', () => {
    expect(pemDecode(rewrap(T, DER, 100_000, '\n', true), T)).toEqual(DER);
  });
  it('E2EE-KEY-011: no-final-newline', () => {
    expect(pemDecode(rewrap(T, DER, 64, '\n', false), T)).toEqual(DER);
  });
  it('E2EE-KEY-011: crlf', () => {
    expect(pemDecode(rewrap(T, DER, 64, '\r\n', true), T)).toEqual(DER);
  });
  it('E2EE-KEY-011: surrounding-whitespace (blank lines, spaces, tabs)', () => {
    const pem = rewrap(T, DER, 64, '\n', true)
      .split('\n')
      .map((l) => `  ${l}\t `)
      .join('\n');
    expect(pemDecode(`\n\n${pem}\n\n  `, T)).toEqual(DER);
  });
  it('E2EE-KEY-011: random widths, line endings, final newline and padding whitespace (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.constantFrom('', ' ', '\n', '\t \r\n'),
        (der, width, eol, final, pad) => {
          const pem = pad + rewrap(T, der, width, eol, final) + pad;
          expect(pemDecode(pem, T)).toEqual(der);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('pemDecode rejections (E2EE-KEY-012)', () => {
  const pem = pemEncode('CERTIFICATE', DER);
  const cases: [string, string][] = [
    ['wrong label', pem.replaceAll('CERTIFICATE', 'PUBLIC KEY')],
    ['PKCS#1 label', pemEncode('RSA PRIVATE KEY', DER)],
    ['END label differs', pem.replace('-----END CERTIFICATE-----', '-----END X509 CRL-----')],
    ['missing END line', pem.replace('-----END CERTIFICATE-----\n', '')],
    ['text before BEGIN', `subject=CN=alice\n${pem}`],
    ['text after END', `${pem}trailing text\n`],
    ['two blocks', pem + pem],
    ['RFC 1421 header', pem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n')],
    ['character outside base64', pem.replace(/\n(.)/, '\n*')],
    ['space inside a line', pem.replace(/\n(.{10})/, '\n$1 ')],
    [
      'non-canonical padding',
      rewrap('CERTIFICATE', new Uint8Array([0xff]), 64, '\n', true).replace('/w==', '/x=='),
    ],
    [
      'missing padding',
      rewrap('CERTIFICATE', new Uint8Array([1]), 64, '\n', true).replace('AQ==', 'AQ'),
    ],
    ['empty body', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
    ['empty string', ''],
    ['DER bytes as text', Buffer.from(DER).toString('latin1')],
  ];
  for (const [name, text] of cases) {
    it(`E2EE-KEY-012: ${name} → PEM_MALFORMED`, () => {
      expect(code(() => pemDecode(text, 'CERTIFICATE'))).toBe('PEM_MALFORMED');
    });
  }

  it('E2EE-KEY-012: uses the code the caller names', () => {
    expect(code(() => pemDecode('garbage', 'CERTIFICATE', 'CERT_MALFORMED'))).toBe(
      'CERT_MALFORMED',
    );
  });

  it('E2EE-SEC-001: random corruption gives the original, other valid bytes, or PEM_MALFORMED (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 0x7f }),
        (der, pos, ch) => {
          const text = pemEncode('PUBLIC KEY', der);
          const i = pos % text.length;
          const bad = text.slice(0, i) + String.fromCharCode(ch) + text.slice(i + 1);
          const c = code(() => pemDecode(bad, 'PUBLIC KEY'));
          expect(['OK', 'PEM_MALFORMED']).toContain(c);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describeFixtures('PEM in the Nextcloud fixtures', () => {
  it('E2EE-KEY-011: every fixture PEM decodes (trailing newline or not) and re-encodes to the same DER', () => {
    const web = loadFixture('web-alice-bob.json');
    const desktop = loadFixture('desktop-v12-filedrop.json');
    const android = loadFixture('android-v2-signature.json');
    const items: [string, string][] = [
      [web.data.serverPublicKeyPem, 'PUBLIC KEY'],
      ...web.data.users.flatMap((u: any) => [
        [u.certificatePem, 'CERTIFICATE'],
        [u.privateKeyPkcs8Pem, 'PRIVATE KEY'],
      ]),
      [desktop.data.certificatePem, 'CERTIFICATE'],
      [desktop.data.privateKeyPem, 'PRIVATE KEY'],
      [desktop.data.publicKeyPem, 'PUBLIC KEY'],
      [android.data.signerCertificatePem, 'CERTIFICATE'],
    ];
    expect(android.data.signerCertificatePem.endsWith('\n')).toBe(false);
    for (const [text, label] of items) {
      const der = pemDecode(text, label);
      expect(pemDecode(pemEncode(label, der), label)).toEqual(der);
    }
  });
});
