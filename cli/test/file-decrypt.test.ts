import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_run.js';
import { encryptFile } from '../../reference/src/files/index.js';
import { toBase64 } from '../../reference/src/bytes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-cli-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]) => runCli(argv, dir);

const plaintext = new TextEncoder().encode('MARKER-PLAINTEXT-7f3a '.repeat(100));
const { body, key, nonce, tag } = encryptFile(plaintext);
writeFileSync(join(dir, 'body'), body);
const bad = body.slice();
bad[5]! ^= 1;
writeFileSync(join(dir, 'bad'), bad);
const args = ['--key', toBase64(key), '--nonce', toBase64(nonce), '--tag', toBase64(tag)];

describe('sealfold file decrypt', () => {
  it('E2EE-FILE-801: writes OUT when the body authenticates', async () => {
    const r = await run(['file', 'decrypt', ...args, 'body', 'out-ok']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out-ok'))).toEqual(Buffer.from(plaintext));
    const j = await run(['file', 'decrypt', ...args, '--json', 'body', 'out-json']);
    expect(JSON.parse(j.out)).toEqual({ ok: true, size: plaintext.length });
  });

  it('E2EE-FILE-800: E2EE-FILE-802: E2EE-SEC-003: a tampered body exits 1 with one line naming the code, creates no OUT and prints no plaintext', async () => {
    const r = await run(['file', 'decrypt', ...args, 'bad', 'out-bad']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^sealfold: AEAD_TAG_MISMATCH: /);
    expect(existsSync(join(dir, 'out-bad'))).toBe(false);
    expect(r.out + r.err).not.toContain('MARKER-PLAINTEXT');
  });

  it('E2EE-FILE-005: E2EE-FILE-003: bad inputs exit 1 with their codes and create no OUT', async () => {
    writeFileSync(join(dir, 'short'), body.subarray(0, 10));
    const cases: Array<[string[], string]> = [
      [['--key', toBase64(key), '--nonce', toBase64(nonce), 'short', 'o1'], 'CIPHERTEXT_MALFORMED'],
      [
        ['--key', toBase64(key), '--nonce', toBase64(new Uint8Array(8)), 'body', 'o2'],
        'CIPHERTEXT_MALFORMED',
      ],
      [['--key', 'not base64!', '--nonce', toBase64(nonce), 'body', 'o3'], 'INPUT_MALFORMED'],
      [
        ['--key', toBase64(new Uint8Array(32)), '--nonce', toBase64(nonce), 'body', 'o4'],
        'INPUT_MALFORMED',
      ],
      [['--key', toBase64(key), '--nonce', toBase64(nonce), 'missing', 'o5'], 'NOT_FOUND'],
    ];
    for (const [a, c] of cases) {
      const r = await run(['file', 'decrypt', ...a]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^sealfold: ${c}: `));
      expect(existsSync(join(dir, a[a.length - 1]!))).toBe(false);
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await run(['file', 'decrypt', ...args, 'body'])).code).toBe(2);
    expect((await run(['file', 'decrypt', '--nonce', 'AAAA', 'body', 'x'])).code).toBe(2);
  });
});
