import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/write.js';
import { fullReport, PLANTED, result } from './_fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'sealfold-artefacts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every form in which a secret could show up in a text artefact. */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [
    secret,
    b64,
    b64.replace(/=+$/, ''),
    encodeURIComponent(secret),
    secret.replaceAll(' ', '+'),
    Buffer.from(secret).toString('hex'),
  ];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('artefacts of a run (E2EE-CONF-230)', () => {
  it('report.json, JUnit and HTML of a redacted run contain no planted secret in any form (E2EE-CONF-230)', () => {
    const dir = join(root, 'clean');
    const written = writeReports(
      fullReport(),
      { json: join(root, 'clean.json'), junit: join(root, 'clean.xml'), html: dir },
      PLANTED,
    );
    const files = [written.json!, written.junit!, ...filesUnder(dir)];
    expect(files).toHaveLength(3);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text.length).toBeGreaterThan(500);
      for (const s of PLANTED) for (const form of forms(s)) expect(text).not.toContain(form);
      // the mnemonic's words are not there one by one either
      for (const word of PLANTED[1]!.split(' '))
        expect(text).not.toMatch(new RegExp(`\\b${word}\\b`));
    }
  });

  it('a secret that survived redaction stops every artefact, written none of them (E2EE-CONF-230)', () => {
    // a secret that HTML escaping would alter is still caught in the report itself
    const secret = 'pa<ss&"word-91c2';
    const leaky = fullReport([
      result({
        testId: 'keys/leak',
        status: 'FAIL',
        evidence: {
          notes: [],
          http: [
            {
              actor: 'alice',
              method: 'GET',
              path: '/status.php',
              requestHeaders: {},
              status: 500,
              responseBody: `error: ${secret}`,
              durationMs: 1,
            },
          ],
        },
      }),
    ]);
    const targets = {
      json: join(root, 'leak.json'),
      junit: join(root, 'leak.xml'),
      html: join(root, 'leak-html'),
    };
    expect(() => writeReports(leaky, targets, [secret])).toThrow(/planted secret reached/);
    expect(existsSync(targets.json)).toBe(false);
    expect(existsSync(targets.junit)).toBe(false);
    expect(existsSync(targets.html)).toBe(false);
    // each writer on its own refuses too
    expect(() => writeReports(leaky, { html: targets.html }, [secret])).toThrow(
      /planted secret reached the HTML report/,
    );
    expect(() => writeReports(leaky, { junit: targets.junit }, [secret])).toThrow(
      /planted secret reached the JUnit report/,
    );
  });
});
