/**
 * PEM spellings for vectors: the strict writer form (E2EE-KEY-010), each named reader tolerance
 * of E2EE-KEY-011, and the deviations E2EE-KEY-012 rejects. Vector files carry the result
 * verbatim in `*Wire` fields.
 *
 * @module
 */
import { b64 } from './repr.js';

/** Body lines of `width` characters. */
function lines(der: Uint8Array, width: number): string[] {
  const s = b64(der);
  const out: string[] = [];
  for (let i = 0; i < s.length; i += width) out.push(s.slice(i, i + width));
  return out;
}

/** The strict form: 64-character lines, LF, final newline. */
export function strictPem(label: string, der: Uint8Array): string {
  return (
    [`-----BEGIN ${label}-----`, ...lines(der, 64), `-----END ${label}-----`].join('\n') + '\n'
  );
}

/** Accepted spellings by tolerance name (E2EE-KEY-011). */
export function tolerantPems(label: string, der: Uint8Array): [string, string][] {
  const B = `-----BEGIN ${label}-----`;
  const E = `-----END ${label}-----`;
  return [
    ['strict', strictPem(label, der)],
    ['any-line-width-65', [B, ...lines(der, 65), E].join('\n') + '\n'],
    ['any-line-width-76', [B, ...lines(der, 76), E].join('\n') + '\n'],
    ['any-line-width-4', [B, ...lines(der, 4), E].join('\n') + '\n'],
    ['single-line-body', [B, b64(der), E].join('\n') + '\n'],
    ['no-final-newline', [B, ...lines(der, 64), E].join('\n')],
    ['crlf', [B, ...lines(der, 64), E].join('\r\n') + '\r\n'],
    [
      'surrounding-whitespace',
      `\n \t${B}  \n${lines(der, 64)
        .map((l) => ` ${l}\t`)
        .join('\n')}\n\n${E} \n\n`,
    ],
    ['crlf-65-no-final-newline', [B, ...lines(der, 65), E].join('\r\n')],
  ];
}

/** Rejected spellings (E2EE-KEY-012), each with a short reason. */
export function rejectedPems(
  label: string,
  der: Uint8Array,
  otherLabel: string,
): [string, string][] {
  const B = `-----BEGIN ${label}-----`;
  const E = `-----END ${label}-----`;
  const body = lines(der, 64);
  const s = b64(der);
  const unpadded = s.replace(/=+$/, '');
  return [
    ['other-label', strictPem(otherLabel, der)],
    ['mismatched-end-label', [B, ...body, `-----END ${otherLabel}-----`].join('\n') + '\n'],
    ['explanatory-text-before', `Subject: test\n${strictPem(label, der)}`],
    ['text-after-end', `${strictPem(label, der)}trailing text\n`],
    ['rfc1421-header', [B, 'Proc-Type: 4,ENCRYPTED', '', ...body, E].join('\n') + '\n'],
    ['two-blocks', strictPem(label, der) + strictPem(label, der)],
    ['empty-body', [B, E].join('\n') + '\n'],
    ['no-begin-line', [...body, E].join('\n') + '\n'],
    ['no-end-line', [B, ...body].join('\n') + '\n'],
    [
      'non-base64-character',
      [B, `${body[0]!.slice(0, 10)}*${body[0]!.slice(11)}`, ...body.slice(1), E].join('\n') + '\n',
    ],
    [
      'url-safe-alphabet',
      [B, ...lines(der, 64).map((l) => l.replace(/\+/g, '-').replace(/\//g, '_')), E].join('\n') +
        '\n',
    ],
    [
      'missing-padding',
      s.endsWith('=') ? [B, unpadded, E].join('\n') + '\n' : [B, `${s}=`, E].join('\n') + '\n',
    ],
    ['lowercase-label', strictPem(label.toLowerCase(), der)],
    ['four-dashes', [`----BEGIN ${label}----`, ...body, `----END ${label}----`].join('\n') + '\n'],
  ];
}
