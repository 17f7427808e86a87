/**
 * The wire objects of spec/12-metadata-api.md against their JSON Schemas (ajv, draft 2020-12):
 * the server accepts exactly the filedrop uploads the schema accepts, and its answers match the
 * response schema.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { MemTree } from './_tree.js';
import { lock, makeServer } from './_server.js';
import { addFiledrop, e2eeContext, emptyE2eeState, isE2eeFailure } from '../../src/e2ee/index.js';

const addFormats = addFormatsNs.default;
const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../spec/schemas/${name}`, import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: true });
addFormats(ajv);
ajv.addSchema(schema('e2ee-filedrop-upload.schema.json'));
ajv.addSchema(schema('e2ee-transaction-responses.schema.json'));
const validUpload = ajv.getSchema('e2ee-filedrop-upload.schema.json')!;
const resp = (def: string) =>
  ajv.getSchema(`e2ee-transaction-responses.schema.json#/$defs/${def}`)!;

describe('schemas', () => {
  it('E2EE-API-142: the server accepts a filedrop upload exactly when the schema does', () => {
    const t = new MemTree();
    const home = t.addUser('alice');
    const f = t.create(home, 'f', 'folder');
    const state = emptyE2eeState();
    state.meta[String(f)] = { doc: '{"metadata":{}}', signature: 's' };
    const ctx = e2eeContext(t, state);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.object(), fc.jsonValue())),
        ),
        (v) => {
          const raw = JSON.stringify(v);
          let accepted = true;
          try {
            addFiledrop(ctx, 'alice', f, raw);
          } catch (e) {
            if (!isE2eeFailure(e, 'FILEDROP_MALFORMED')) throw e;
            accepted = false;
          }
          expect(accepted, raw).toBe(validUpload(JSON.parse(raw)) as boolean);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('E2EE-API-120: answers of the transaction API match the response schema', async () => {
    const s = makeServer('nc32');
    const top = s.mkdir(s.root('alice'), 'v');
    const put = await s.ocs('put', `/v2/encrypted/${top}`);
    expect(resp('empty')(put.body.ocs.data)).toBe(true);
    const res = await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '1');
    expect(resp('lock')(res.body.ocs.data)).toBe(true);
    const t = res.body.ocs.data['e2e-token'];
    const post = await s
      .ocs('post', `/v2/meta-data/${top}`)
      .set('e2e-token', t)
      .set('X-NC-E2EE-SIGNATURE', 'S')
      .type('form')
      .send({ metaData: '{"a":1}' });
    expect(resp('metaData')(post.body.ocs.data)).toBe(true);
    expect(
      resp('empty')((await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t)).body.ocs.data),
    ).toBe(true);
    expect(resp('metaData')((await s.ocs('get', `/v2/meta-data/${top}`)).body.ocs.data)).toBe(true);
    const fd = await s
      .ocs('put', `/v2/meta-data/${top}/filedrop`)
      .type('form')
      .send({ filedrop: '{"x":{"a":1}}' });
    expect(resp('filedrop')(fd.body.ocs.data)).toBe(true);
    await lock(s, top, 2);
    const reset = await s.ocs('delete', '/v2/encrypted-files');
    expect(resp('reset')(reset.body.ocs.data)).toBe(true);
    expect(reset.body.ocs.data.deletedIds).toEqual([top]);
  });
});
