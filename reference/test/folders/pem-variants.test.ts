/**
 * Member certificates written by other clients: the Nextcloud web client lists its certificate
 * in `users[].certificate` without a final newline, other writers with one, and the reference
 * re-encodes DER with 64-column lines. Writing into such a folder must not depend on which PEM
 * text the member list carries (E2EE-CERT-081).
 */
import { beforeAll, expect, it } from 'vitest';
import { certificateToPem, parseCertificate, sameCertificate } from '../../src/certs/index.js';
import { addFile, createFolder, type FolderContext } from '../../src/folders/index.js';
import { pemDecode, PEM_LABELS } from '../../src/pem/index.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';

const ROOT = '0123456789abcdef0123456789abcdef';

/** The PEM variants real writers produce for one certificate. */
function variants(pem: string): Record<string, string> {
  const der = parseCertificate(pem).der;
  const reference = certificateToPem(der);
  return {
    'as the fixture stores it': pem,
    'web client (no final newline)': pem.replace(/\n$/, ''),
    'reference (64 columns, final newline)': reference,
    'CRLF line breaks': reference.replace(/\n/g, '\r\n'),
    'one line of base64': `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----`,
  };
}

describeFixtures('folders: member certificates in the PEM of real clients', () => {
  let alice: { certificatePem: string; privateKeyPkcs8Pem: string };
  let bob: { certificatePem: string };
  beforeAll(() => {
    const web = loadFixture('web-alice-bob.json');
    alice = web.data.users.find((u: { userId: string }) => u.userId === 'alice');
    bob = web.data.users.find((u: { userId: string }) => u.userId === 'bob');
  });

  const ctx = (certificate: string): FolderContext => ({
    signer: {
      userId: 'alice',
      certificate,
      privateKey: pemDecode(alice.privateKeyPkcs8Pem, PEM_LABELS.privateKey),
    },
  });

  it('E2EE-CERT-081: every listed PEM variant lets its member write, whatever PEM the writer holds', async () => {
    const all = variants(alice.certificatePem);
    for (const [listedAs, listed] of Object.entries(all)) {
      const created = await createFolder(ctx(listed), ROOT);
      for (const [heldAs, held] of Object.entries(all)) {
        const change = addFile(created.state, ctx(held), {
          folderId: ROOT,
          filename: 'a.txt',
          content: new Uint8Array([1]),
        });
        await expect(change, `listed ${listedAs}, held ${heldAs}`).resolves.toMatchObject({
          metadata: [expect.objectContaining({ folderId: ROOT, counter: 2 })],
        });
      }
    }
  });

  it('E2EE-CERT-081: another certificate under the same user id is still SIGNER_NOT_MEMBER', async () => {
    const created = await createFolder(ctx(alice.certificatePem.replace(/\n$/, '')), ROOT);
    await expect(
      addFile(created.state, ctx(bob.certificatePem), {
        folderId: ROOT,
        filename: 'a.txt',
        content: new Uint8Array([1]),
      }),
    ).rejects.toMatchObject({ code: 'SIGNER_NOT_MEMBER' });
    expect(sameCertificate(alice.certificatePem, bob.certificatePem)).toBe(false);
  });
});
