/**
 * Random and mutated requests against the key endpoints, both profiles: never a 5xx, and every
 * refused request leaves the committed state (fingerprint) unchanged.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CREDS,
  E2EE_V1,
  keySeeds,
  ocs,
  testServer,
  validBlob,
  type TestServer,
} from '../_support/server.js';

let seeds: { aliceCsr: string; bobCsr: string; blob: string };
let caPkcs8: Uint8Array;
beforeAll(async () => {
  const k = await keySeeds();
  caPkcs8 = k.ca.pkcs8;
  seeds = { aliceCsr: k.aliceCsr, bobCsr: k.bobCsr, blob: validBlob(64) };
});

const mutate = (s: string, pos: number, ch: string) =>
  s.slice(0, pos % (s.length + 1)) + ch + s.slice((pos % (s.length + 1)) + 1);

function value(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', '[]', '["alice"]', '["bob","ghost"]', 'null', '{"a":1}', '|||', 's:tok'),
    fc.constant('SEED:aliceCsr'),
    fc.constant('SEED:bobCsr'),
    fc.constant('SEED:blob'),
    fc
      .tuple(
        fc.constantFrom('SEED:aliceCsr', 'SEED:blob'),
        fc.nat(2000),
        fc.constantFrom('A', '|', '=', '-', '\n', '\u0000', 'é'),
      )
      .map(([s, p, c]) => `MUT:${s}:${p}:${c}`),
  );
}

function resolve(v: string): string {
  if (v.startsWith('SEED:')) return seeds[v.slice(5) as keyof typeof seeds];
  const m = /^MUT:(SEED:\w+):(\d+):(.*)$/s.exec(v);
  return m ? mutate(resolve(m[1]!), Number(m[2]), m[3]!) : v;
}

const request = fc.record({
  method: fc.constantFrom('get', 'post', 'put', 'delete' as const),
  path: fc.constantFrom(
    'public-key',
    'private-key',
    'server-key',
    'public-key/x',
    'private-key?shareToken=tok',
  ),
  as: fc.constantFrom<readonly [string, string] | null>(
    ['alice', CREDS.alice.app],
    ['alice', CREDS.alice.login],
    ['bob', CREDS.bob.app],
    ['alice', 'wrong'],
    null,
  ),
  fields: fc.dictionary(
    fc.constantFrom('csr', 'publicKey', 'privateKey', 'shareToken', 'users', 'x'),
    value(),
    { maxKeys: 3 },
  ),
  encoding: fc.constantFrom('form', 'json', 'query', 'raw'),
  raw: fc.string({ maxLength: 30 }),
});

for (const profile of ['nc30', 'nc32'] as const) {
  describe(`fuzz (${profile})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await testServer({ profile }, caPkcs8);
    });

    it('E2EE-API-007 E2EE-API-091: never 5xx; every refused request leaves the state unchanged', async () => {
      let refused = 0;
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(request, async (q) => {
          const fields = Object.fromEntries(
            Object.entries(q.fields).map(([k, v]) => [k, resolve(v)]),
          );
          const before = t.store.fingerprint();
          let path = `${E2EE_V1}/${q.path}`;
          if (q.encoding === 'query')
            path += (path.includes('?') ? '&' : '?') + new URLSearchParams(fields).toString();
          let r = ocs(t.app, q.method, path, q.as);
          if (q.encoding === 'form') r = r.type('form').send(fields);
          else if (q.encoding === 'json')
            r = r.set('Content-Type', 'application/json').send(JSON.stringify(fields));
          else if (q.encoding === 'raw') r = r.set('Content-Type', 'application/json').send(q.raw);
          const res = await r;
          expect(res.status, `${q.method} ${q.path}`).toBeLessThan(500);
          if (res.status >= 400) {
            refused++;
            expect(t.store.fingerprint()).toBe(before);
            expect(res.headers['x-sealfold-e2ee-code']).toMatch(/^[A-Z_]+$/);
          } else accepted++;
        }),
        { numRuns: 300 },
      );
      expect(refused).toBeGreaterThan(0);
      expect(accepted).toBeGreaterThan(0);
    });
  });
}
