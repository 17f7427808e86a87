/**
 * Access to the real-client interoperability fixtures in `../shared/fixtures/nextcloud/`.
 *
 * The fixtures are never copied into this repository. CI has `../shared` beside the checkout;
 * where it is absent, fixture tests skip with a message saying so (and only then).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, it } from 'vitest';

/** Folder holding the Nextcloud fixtures. */
export const FIXTURE_DIR = fileURLToPath(
  new URL('../../../../shared/fixtures/nextcloud/', import.meta.url),
);

/** True when the shared fixtures are present. */
export const fixturesAvailable = existsSync(join(FIXTURE_DIR, 'README.md'));

const SKIP_MESSAGE = `fixture tests skipped: ${FIXTURE_DIR} is absent (CI has ../shared beside the checkout)`;
let warned = false;

/** Parses one fixture file, e.g. `loadFixture('web-alice-bob.json')`. */
export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8')) as T;
}

/** Decodes a fixture blob `{ base64, sha256, size }` to bytes. */
export function blobBytes(blob: { base64: string }): Uint8Array {
  return new Uint8Array(Buffer.from(blob.base64, 'base64'));
}

/**
 * `describe` that skips, with a clear message, when the fixtures are absent. Then `fn` is not
 * even called: suites read fixtures while they are collected (`loadFixture` in the describe
 * body), which would fail with ENOENT instead of skipping. One skipped test carries the message.
 */
export function describeFixtures(title: string, fn: () => void): void {
  if (fixturesAvailable) {
    describe(title, fn);
    return;
  }
  if (!warned) {
    warned = true;
    console.warn(SKIP_MESSAGE);
  }
  describe(title, () => {
    it.skip(SKIP_MESSAGE, () => {});
  });
}
