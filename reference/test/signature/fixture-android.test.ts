import { expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  canonicalMetadataJson,
  metadataSignedContent,
  verifyMetadataSignature,
} from '../../src/signature/index.js';
import { decodeSignature, OID } from '../../src/signature/_cms.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';
import { opensslVerifies } from '../_support/identities.js';
import { signatureLayout } from '../_support/cms.js';
import { pemDecode } from '../../src/pem/index.js';

describeFixtures('Android BouncyCastle signature (android-v2-signature.json)', () => {
  const f = loadFixture('android-v2-signature.json');
  const doc: string = f.data.metadataDocument;
  const declOrder: string = f.data.metadataDocumentFieldDeclarationOrder;
  const members = [{ userId: 'admin', certificate: f.data.signerCertificatePem as string }];

  it('E2EE-META-107: the signed content is base64 of the sorted canonical document', () => {
    expect(canonicalMetadataJson(doc)).toBe(doc);
    const content = metadataSignedContent(doc);
    expect(Buffer.from(content).toString('ascii')).toBe(f.expect.signedContentBase64);
    expect(createHash('sha256').update(content).digest('hex')).toBe(f.expect.signedContentSha256);
  });

  it('E2EE-META-122: verifies, signer admin, signingTime from the signed attributes', async () => {
    const r = await verifyMetadataSignature({
      outer: doc,
      signature: f.data.signatureBase64,
      members,
    });
    expect(r.signerUserId).toBe('admin');
    expect(r.signingTime?.toISOString()).toBe(f.expect.cms.signingTime);
    expect(r.contentVariant).toBe('canonical');
    // Bytes and the parsed object give the same result.
    await expect(
      verifyMetadataSignature({
        outer: new TextEncoder().encode(doc),
        signature: f.data.signatureBase64,
        members,
      }),
    ).resolves.toMatchObject({ signerUserId: 'admin' });
  });

  it('E2EE-META-101: does not verify over the declaration-order text; canonicalisation restores it', async () => {
    // The raw declaration-order text, base64ed without canonicalisation, is not what was signed
    // (OpenSSL agrees), ...
    const raw = new TextEncoder().encode(Buffer.from(declOrder, 'utf8').toString('base64'));
    const d = decodeSignature(f.data.signatureBase64);
    expect(Buffer.from(createHash('sha256').update(raw).digest()).equals(d.messageDigest)).toBe(
      false,
    );
    expect(opensslVerifies(f.data.signatureBase64, raw)).toBe(false);
    expect(opensslVerifies(f.data.signatureBase64, metadataSignedContent(doc))).toBe(true);
    // ... but a reader that canonicalises the received document verifies it whatever the order.
    await expect(
      verifyMetadataSignature({ outer: declOrder, signature: f.data.signatureBase64, members }),
    ).resolves.toMatchObject({ signerUserId: 'admin' });
  });

  it('E2EE-META-817 E2EE-META-130 E2EE-META-800: CMS details as BouncyCastle writes them', () => {
    const d = decodeSignature(f.data.signatureBase64);
    // Tolerance `android-signer-version`: SignerInfo version 0 in a SignedData of version 1.
    const cms = Buffer.from(f.data.signatureBase64, 'base64');
    const layout = signatureLayout(cms);
    expect([...cms.subarray(layout.signedDataVersion, layout.signedDataVersion + 3)]).toEqual([
      2, 1, 1,
    ]);
    expect([...cms.subarray(layout.signerInfoVersion, layout.signerInfoVersion + 3)]).toEqual([
      2, 1, 0,
    ]);
    // The embedded certificate is the signer's certificate as listed, byte for byte.
    expect(
      Buffer.from(d.certificates[0]!).equals(
        Buffer.from(pemDecode(members[0]!.certificate, 'CERTIFICATE')),
      ),
    ).toBe(true);
    expect(d.signatureAlgorithm).toBe(OID.sha256WithRSAEncryption);
    expect(d.sid.kind).toBe('issuerAndSerialNumber');
    if (d.sid.kind === 'issuerAndSerialNumber') expect(d.sid.serial).toBe(0n);
    expect(d.certificates).toHaveLength(1);
    const der = Buffer.from(d.certificates[0]!);
    expect(createHash('sha256').update(der).digest('hex')).toBe(
      f.expect.certificate.certificateDerSha256,
    );
    expect(
      createHash('sha256').update(Buffer.from(f.data.signatureBase64, 'base64')).digest('hex'),
    ).toBe(f.expect.cms.signatureDerSha256);
  });

  it('E2EE-META-121: any change to the document breaks it (SIGNATURE_INVALID)', async () => {
    const changed = doc.replace('"version":"2.0"', '"version":"2.1"');
    await expect(
      verifyMetadataSignature({ outer: changed, signature: f.data.signatureBase64, members }),
    ).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('E2EE-META-105: a filedrop added by the server does not break it', async () => {
    const withDrop = JSON.stringify({ ...JSON.parse(doc), filedrop: { abc: { ciphertext: 'x' } } });
    await expect(
      verifyMetadataSignature({ outer: withDrop, signature: f.data.signatureBase64, members }),
    ).resolves.toMatchObject({ signerUserId: 'admin' });
  });
});
