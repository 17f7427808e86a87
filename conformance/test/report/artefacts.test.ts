import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/report/write.js';
import { fullReport, PLANTED, result } from './_fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'sealfold-artefacts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('artefacts of a run (E2EE-CONF-230)', () => {
  it('writes every requested artefact when no planted secret occurs (E2EE-CONF-200)', () => {
    const targets = {
      json: join(root, 'ok.json'),
      junit: join(root, 'ok.xml'),
      html: join(root, 'ok-html'),
    };
    const written = writeReports(fullReport(), targets, PLANTED);
    expect(written).toEqual({ ...targets, html: join(targets.html, 'index.html') });
    expect(JSON.parse(readFileSync(targets.json, 'utf8')).reportVersion).toBe(1);
    expect(readFileSync(targets.junit, 'utf8')).toMatch(/^<\?xml version="1.0"/);
    expect(readFileSync(written.html!, 'utf8')).toMatch(/^<!doctype html>/);
    expect(writeReports(fullReport(), { junit: join(root, 'only.xml') }, [])).toEqual({
      junit: join(root, 'only.xml'),
    });
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
