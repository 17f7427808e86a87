/** The model is the spec's, not the mock's: nothing under model/ imports server-mock code. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MODEL_DIR = join(import.meta.dirname, '../../src/server/model');

describe('model independence', () => {
  it('no module of the model imports server-mock (E2EE-CONF-300)', () => {
    const files = readdirSync(MODEL_DIR).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const imports = [...readFileSync(join(MODEL_DIR, f), 'utf8').matchAll(/from '([^']+)'/g)].map(
        (m) => m[1]!,
      );
      expect(
        imports.filter((i) => i.includes('server-mock')),
        f,
      ).toEqual([]);
      // Only the model's own modules, the check contract and libraries.
      for (const i of imports)
        expect(i, f).toMatch(/^(\.\/|\.\.\/check\.js$|\.\.\/\.\.\/core\/|[a-z@])/);
    }
  });
});
