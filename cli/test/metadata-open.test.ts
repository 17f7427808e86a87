import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from './_run.js';
import { aesGcmEncrypt } from '../../reference/src/primitives/index.js';
import { sha256Hex } from '../../reference/src/bytes/index.js';
import { encryptMetadata, type InnerMetadata } from '../../reference/src/metadata/index.js';
import { signMetadata } from '../../reference/src/signature/index.js';
import {
  makeIdentity,
  makeServerKey,
  type Identity,
} from '../../reference/test/_support/identities.js';
import { describeFixtures, loadFixture } from '../../reference/test/_support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-cli-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, data: string) => (writeFileSync(join(dir, name), data), name);

const run = (argv: string[]) => runCli(argv, dir);

/** Exit 1, nothing on stdout, one stderr line naming `code`. */
function expectRejected(r: { code: number; out: string; err: string }, code: string) {
  expect(r.code, r.err).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toMatch(new RegExp(`^sealfold: ${code}: [^\\n]+\\n$`));
}

const KEY = new Uint8Array(16).map((_, i) => 7 * i + 3);
const MARKER = 'MARKER-NAME-5c1e.pdf';
let alice: Identity;
let bob: Identity;
let mallory: Identity;

function inner(counter: number, keyChecksums: string[]): InnerMetadata {
  return {
    counter,
    files: {
      '8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b': {
        filename: MARKER,
        mimetype: 'application/pdf',
        key: new Uint8Array(16).map((_, i) => 200 - i),
        nonce: new Uint8Array(12).map((_, i) => i + 1),
        authenticationTag: new Uint8Array(16).map((_, i) => i * 5),
      },
    },
    folders: { '1f2e3d4c5b6a79881f2e3d4c5b6a7988': 'Sub' },
    keyChecksums,
  };
}

beforeAll(async () => {
  const server = makeServerKey();
  const other = makeServerKey();
  alice = await makeIdentity('alice', server);
  bob = await makeIdentity('bob', server);
  mallory = await makeIdentity('mallory', other);
  write('server.pem', server.publicKeyPem);
  write('other-server.pem', other.publicKeyPem);
  write('alice.key', alice.keyPem);
  write('bob.key', bob.keyPem);
  const users = [alice, bob].map((u) => ({ userId: u.userId, certificate: u.certPem }));
  const root = encryptMetadata({ inner: inner(1, [sha256Hex(KEY)]), metadataKey: KEY, users }).text;
  write('root.json', root);
  write(
    'root.ocs.json',
    JSON.stringify({ ocs: { meta: { status: 'ok' }, data: { 'meta-data': root } } }),
  );
  const sign = (outer: string, u: Identity) =>
    signMetadata({ outer, signerCertificate: u.certPem, signerPrivateKey: u.pkcs8 });
  write('root.sig', (await sign(root, alice)) + '\n');
  write('root-tampered.json', root.replace('"version":"2.0"', '"version":"2.1"'));
  const sub = encryptMetadata({ inner: inner(4, []), metadataKey: KEY }).text;
  write('sub.json', sub);
  write('sub.sig', await sign(sub, bob));
  write('sub-mallory.sig', await sign(sub, mallory));
});

const base = ['metadata', 'open', '--private-key', 'alice.key', '--user', 'alice'];
const signedRoot = [...base, '--metadata', 'root.json', '--signature', 'root.sig'];

describe('sealfold metadata open', () => {
  it('E2EE-META-120: verifies, checks certificates, decrypts and prints the inner document', async () => {
    const r = await run([...signedRoot, '--server-key', 'server.pem']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).files['8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b'].filename).toBe(MARKER);
    expect(r.err).toMatch(/signed by alice at .*member certificates checked/);
    const j = await run([
      ...base,
      '--metadata',
      'root.ocs.json',
      '--signature',
      'root.sig',
      '--json',
    ]);
    const out = JSON.parse(j.out);
    expect(out).toMatchObject({
      ok: true,
      version: '2.0',
      folder: 'root',
      signature: { verified: true, signer: 'alice' },
      certificates: { checked: false },
    });
    expect(out.inner.counter).toBe(1);
  });

  it('E2EE-META-120: a 2.x document without --signature is refused unless --no-signature is explicit', async () => {
    expectRejected(await run([...base, '--metadata', 'root.json']), 'SIGNATURE_MISSING');
    const r = await run([...base, '--metadata', 'root.json', '--no-signature', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).signature).toEqual({ verified: false, reason: '--no-signature' });
    const both = await run([
      ...base,
      '--metadata',
      'root.json',
      '--no-signature',
      '--signature',
      'root.sig',
    ]);
    expect(both.code).toBe(2);
  });

  it('E2EE-META-121: a changed document is SIGNATURE_INVALID and nothing is printed', async () => {
    const r = await run([...base, '--metadata', 'root-tampered.json', '--signature', 'root.sig']);
    expectRejected(r, 'SIGNATURE_INVALID');
    expect(r.err).not.toContain(MARKER);
  });

  it("E2EE-META-128: a sub-folder is verified with its root folder's members and opened with its key", async () => {
    const args = [
      '--metadata',
      'sub.json',
      '--signature',
      'sub.sig',
      '--parent-metadata',
      'root.json',
    ];
    const r = await run([...base, ...args, '--parent-signature', 'root.sig', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ folder: 'sub-folder', signature: { signer: 'bob' } });
    expect(JSON.parse(r.out).inner.counter).toBe(4);
    // The root must be verified too.
    expectRejected(await run([...base, ...args]), 'SIGNATURE_MISSING');
    // A signer who is not a member of the root.
    const m = [
      '--metadata',
      'sub.json',
      '--signature',
      'sub-mallory.sig',
      '--parent-metadata',
      'root.json',
    ];
    expectRejected(
      await run([...base, ...m, '--parent-signature', 'root.sig']),
      'SIGNER_NOT_MEMBER',
    );
  });

  it('E2EE-META-078: a sub-folder document without --parent-metadata says that its root is missing', async () => {
    for (const sig of [['--signature', 'sub.sig'], ['--no-signature']]) {
      const r = await run([...base, '--metadata', 'sub.json', ...sig]);
      expect(r.code, r.err).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain('--parent-metadata');
      expect(r.err).not.toContain('SIGNER_NOT_MEMBER');
    }
  });

  it('E2EE-META-077: prints exactly the inner document that was decrypted, nothing added', async () => {
    // A sub-folder document as other writers make it: no keyChecksums in the inner document.
    const plain = '{"counter":4,"files":{},"folders":{}}';
    const nonce = new Uint8Array(12).map((_, i) => 40 + i);
    const sealed = aesGcmEncrypt(KEY, nonce, new Uint8Array(gzipSync(plain)));
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
    const outer = JSON.stringify({
      metadata: {
        authenticationTag: b64(sealed.subarray(sealed.length - 16)),
        ciphertext: b64(sealed),
        nonce: b64(nonce),
      },
      version: '2.0',
    });
    write('sub-bare.json', outer);
    write(
      'sub-bare.sig',
      await signMetadata({ outer, signerCertificate: bob.certPem, signerPrivateKey: bob.pkcs8 }),
    );
    const r = await run([
      ...base,
      '--metadata',
      'sub-bare.json',
      '--signature',
      'sub-bare.sig',
      '--parent-metadata',
      'root.json',
      '--parent-signature',
      'root.sig',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(plain));
    expect(r.err).toMatch(/not checked: pins, freshness, certificates/);
  });

  it('E2EE-META-075: the report names every check that did not run', async () => {
    const r = await run([...signedRoot, '--server-key', 'server.pem', '--json']);
    expect(JSON.parse(r.out).skipped).toEqual(['pins', 'freshness']);
    const n = await run([...base, '--metadata', 'root.json', '--no-signature', '--json']);
    expect(JSON.parse(n.out).skipped).toEqual(['pins', 'freshness', 'certificates', 'signature']);
  });

  it('E2EE-META-805: member certificates not issued by the given server key → CERT_UNTRUSTED', async () => {
    const r = await run([...signedRoot, '--server-key', 'other-server.pem']);
    expectRejected(r, 'CERT_UNTRUSTED');
  });

  it('usage errors exit 2; a missing input file is exit 1 NOT_FOUND', async () => {
    expect((await run(['metadata', 'open', '--metadata', 'root.json'])).code).toBe(2);
    const missing = await run([...base, '--metadata', 'missing.json', '--no-signature']);
    expect([missing.code, missing.err]).toEqual([
      1,
      'sealfold: NOT_FOUND: the metadata document missing.json: ENOENT\n',
    ]);
  });
});

describeFixtures('sealfold metadata open on legacy 1.2 (desktop-v12-filedrop.json)', () => {
  it('reads a 1.x document from its OCS envelope without a signature', async () => {
    const f = loadFixture('desktop-v12-filedrop.json');
    write('v12.ocs.json', f.data.ocsResponse);
    write('desktop.key', f.data.privateKeyPem);
    const r = await run([
      'metadata',
      'open',
      '--metadata',
      'v12.ocs.json',
      '--private-key',
      'desktop.key',
      '--user',
      'x',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ version: '1.2', folder: 'legacy', signature: { verified: false } });
    const names = Object.values(out.inner.entries).map((e: any) => e.filename);
    expect(names).toContain('Nextcloud flyer.pdf');
  });

  it('E2EE-META-077: legacy 1.2 filedrop entries are reported, not dropped', async () => {
    const f = loadFixture('desktop-v12-filedrop.json');
    write('v12.ocs.json', f.data.ocsResponse);
    write('desktop.key', f.data.privateKeyPem);
    const argv = ['metadata', 'open', '--metadata', 'v12.ocs.json', '--private-key', 'desktop.key'];
    const r = await run([...argv, '--user', 'x', '--json']);
    expect(r.code, r.err).toBe(0);
    const drops = JSON.parse(r.out).filedrop;
    const expected = Object.entries(f.expect.filedrop as Record<string, { filename: string }>);
    expect(expected.length).toBeGreaterThan(0);
    for (const [id, e] of expected) expect(drops[id]).toMatchObject({ filename: e.filename });
    const text = await run([...argv, '--user', 'x']);
    expect(text.err).toContain(`${expected.length} filedrop entries not merged`);
  });
});
