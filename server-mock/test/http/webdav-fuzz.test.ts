/**
 * WebDAV robustness (E2EE-API-825, E2EE-API-826) and XML round trips through fast-xml-parser (E2EE-API-820, E2EE-API-821):
 * random and mutated requests never get a 5xx, and a refused request never changes the store.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BROWSER_UA,
  DAV,
  DESKTOP_UA,
  makeDavServer,
  propfindBody,
  type DavMethod,
} from './_dav.js';
import {
  buildMultistatus,
  parseMultistatusForTest,
  parsePropfind,
  type DavResponse,
  type PropName,
} from '../../src/http/dav/_xml.js';
import { XMLBuilder } from 'fast-xml-parser';

// XML 1.0 text: no control characters except tab/LF; no lone surrogates; no CR (normalised).
const xmlText = fc
  .string({ unit: 'grapheme', maxLength: 40 })
  // eslint-disable-next-line no-control-regex -- removing what XML 1.0 cannot carry
  .map((t) => t.replace(/[\u0000-\u0008\u000b-\u001f\u007f\r\ufffe\uffff]/g, ''))
  .map((t) => t.trim());
const localName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const nsUri = fc.constantFrom(
  'DAV:',
  'http://owncloud.org/ns',
  'http://nextcloud.org/ns',
  'urn:x',
  'https://e.test/ns?a=1&b=2',
);
const propName = fc.tuple(nsUri, localName).map(([ns, l]) => `{${ns}}${l}` as PropName);

describe('XML round trips', () => {
  it('E2EE-API-820: a PROPFIND built with XMLBuilder parses back to the same property names', () => {
    const builder = new XMLBuilder({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      suppressEmptyNode: true,
    });
    fc.assert(
      fc.property(fc.uniqueArray(propName, { minLength: 1, maxLength: 8 }), (props) => {
        const nss = [...new Set(props.map((p) => p.slice(1, p.indexOf('}'))))];
        const prefix = (p: PropName) => `n${nss.indexOf(p.slice(1, p.indexOf('}')))}`;
        const xml = builder.build({
          'd:propfind': {
            '@_xmlns:d': 'DAV:',
            ...Object.fromEntries(nss.map((ns, i) => [`@_xmlns:n${i}`, ns])),
            'd:prop': Object.fromEntries(
              props.map((p) => [`${prefix(p)}:${p.slice(p.indexOf('}') + 1)}`, '']),
            ),
          },
        }) as string;
        expect(parsePropfind(xml)).toEqual({ kind: 'prop', props });
      }),
      { numRuns: 100 },
    );
  });

  it('E2EE-API-821: multistatus documents round-trip values, hrefs and namespaces', () => {
    const response = fc.record({
      href: xmlText.map((t) => `/remote.php/dav/files/u/${encodeURIComponent(t)}`),
      props: fc.uniqueArray(fc.tuple(propName, xmlText), { selector: ([k]) => k, maxLength: 6 }),
      missing: fc.uniqueArray(propName, { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 4 }), (rs) => {
        const input: DavResponse[] = rs.map((r) => ({
          href: r.href,
          found: r.props,
          missing: r.missing.filter((m) => !r.props.some(([k]) => k === m)),
        }));
        const back = parseMultistatusForTest(buildMultistatus(input));
        expect(back).toEqual(input);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fuzzing', () => {
  const methods: (DavMethod | 'bogus')[] = [
    'propfind',
    'get',
    'head',
    'put',
    'mkcol',
    'delete',
    'move',
    'copy',
    'options',
    'proppatch',
  ];
  const segment = fc.oneof(
    fc.constantFrom(
      '',
      '.',
      '..',
      '%2e%2e',
      '%2F',
      '%',
      '%zz',
      '%00',
      '%C3%28',
      '%ED%A0%80',
      'Enc',
      'Plain',
      'f',
      'a b',
      'x.e2e-to-save',
      'x.e2e-to-delete',
      'Team',
    ),
    fc.string({ maxLength: 8 }).map(encodeURIComponent),
    fc.constant('y'.repeat(300)),
  );
  const path = fc
    .tuple(fc.constantFrom('alice', 'bob', 'eve', '%', ''), fc.array(segment, { maxLength: 4 }))
    .map(([u, segs]) => `${DAV}/${u}/${segs.join('/')}`);
  const body = fc.oneof(
    fc.constant(''),
    fc.constant(propfindBody(['d:getetag', 'nc:e2ee-metadata'])),
    fc.string({ maxLength: 200 }),
    fc
      .string({ maxLength: 40 })
      .map((junk) => propfindBody(['d:getetag']).replace('<d:prop>', `<d:prop>${junk}`)),
    fc.constant('<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'),
    fc.constant('<d:propfind xmlns:d="DAV:">'.repeat(40)),
  );
  const header = (values: string[]) =>
    fc.option(fc.oneof(fc.constantFrom(...values), fc.string({ maxLength: 12 })), {
      nil: undefined,
    });

  it('E2EE-API-825: E2EE-API-826: random and mutated requests never get a 5xx and refusals change nothing', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    const plain = s.mkdir(s.root('alice'), 'Plain');
    s.putFile(plain, 'f', 'data');
    const token = s.lock(enc);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom(...methods),
          path,
          user: fc.constantFrom('alice', 'bob'),
          ua: fc.constantFrom(DESKTOP_UA, BROWSER_UA),
          body,
          depth: header(['0', '1', 'infinity', '2']),
          destination: header([
            `${DAV}/alice/Plain/g`,
            `${DAV}/alice/Enc/g`,
            `http://h${DAV}/alice/../bob/x`,
            `${DAV}/bob/x`,
            '%',
          ]),
          overwrite: header(['T', 'F']),
          token: fc.option(fc.constantFrom(token, 'x', ''), { nil: undefined }),
        }),
        async (r) => {
          const before = s.store.fingerprint();
          const m = r.method === 'bogus' ? 'proppatch' : r.method;
          let req = s.dav(m, r.path, r.user, r.ua);
          if (r.depth !== undefined) req = req.set('Depth', r.depth);
          if (r.destination !== undefined) req = req.set('Destination', r.destination);
          if (r.overwrite !== undefined) req = req.set('Overwrite', r.overwrite);
          if (r.token !== undefined) req = req.set('e2e-token', r.token);
          const res = await (r.body !== '' && m !== 'get' && m !== 'head' ? req.send(r.body) : req);
          expect(res.status, `${m} ${r.path}`).toBeLessThan(500);
          if (res.status >= 400) expect(s.store.fingerprint()).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
  });
});
