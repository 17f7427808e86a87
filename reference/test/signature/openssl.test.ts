/**
 * Cross-checks with the OpenSSL command line, which is what the desktop client uses
 * (`CMS_sign(…, CMS_DETACHED)` / `CMS_verify(…, CMS_NO_SIGNER_CERT_VERIFY)`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  metadataSignedContent,
  signMetadata,
  verifyMetadataSignature,
} from '../../src/signature/index.js';
import { decodeSignature, OID } from '../../src/signature/_cms.js';
import {
  makeIdentity,
  makeServerKey,
  membersOf,
  opensslSign,
  opensslVerifies,
  sampleOuter,
  scratch,
  type Identity,
} from '../_support/identities.js';
import { signatureLayout } from '../_support/cms.js';

const code = (c: string) => expect.objectContaining({ code: c });

let alice: Identity;
let jorg: Identity;
let mallory: Identity;
let outer: Record<string, unknown>;
let content: Uint8Array;
const files = scratch();
afterAll(() => files.cleanup());

beforeAll(async () => {
  execFileSync('openssl', ['version']);
  const server = makeServerKey();
  alice = await makeIdentity('alice', server);
  jorg = await makeIdentity('Jörg 😀', server);
  mallory = await makeIdentity('alice', server);
  outer = sampleOuter([alice, jorg], { filedrop: { f: { ciphertext: 'x' } } });
  content = metadataSignedContent(outer);
});

describe('OpenSSL verifies what Sealfold signs', () => {
  it('E2EE-META-110 E2EE-META-111: openssl cms -verify -binary -noverify accepts it, with non-ASCII user ids', async () => {
    for (const signer of [alice, jorg]) {
      const sig = await signMetadata({
        outer,
        signerCertificate: signer.certPem,
        signerPrivateKey: signer.pkcs8,
      });
      expect(opensslVerifies(sig, content)).toBe(true);
      const other = metadataSignedContent({ ...outer, version: '2.1' });
      expect(opensslVerifies(sig, other)).toBe(false);
    }
  });
});

describe('Sealfold verifies what OpenSSL signs', () => {
  const members = () => membersOf([alice, jorg]);

  it('E2EE-META-118 E2EE-META-119: the desktop form (rsaEncryption, S/MIME capabilities) verifies', async () => {
    const sig = opensslSign(jorg, content);
    const d = decodeSignature(sig);
    expect(d.signatureAlgorithm).toBe(OID.rsaEncryption);
    const r = await verifyMetadataSignature({ outer, signature: sig, members: members() });
    expect(r.signerUserId).toBe('Jörg 😀');
    expect(r.signingTime).toBeInstanceOf(Date);
  });

  it('E2EE-META-123: without embedded certificates and by subjectKeyIdentifier', async () => {
    for (const flags of [['-nocerts'], ['-keyid'], ['-keyid', '-nocerts']]) {
      const sig = opensslSign(alice, content, flags);
      const r = await verifyMetadataSignature({ outer, signature: sig, members: members() });
      expect(r.signerUserId, flags.join(' ')).toBe('alice');
    }
    expect(decodeSignature(opensslSign(alice, content, ['-keyid'])).sid.kind).toBe(
      'subjectKeyIdentifier',
    );
  });

  it('E2EE-META-800: the subjectKeyIdentifier form has versions 3 and 3; version 1 there is SIGNATURE_MALFORMED', async () => {
    const sig = opensslSign(alice, content, ['-keyid']);
    const der = Buffer.from(sig, 'base64');
    const layout = signatureLayout(der);
    expect(der[layout.signedDataVersion + 2]).toBe(3);
    expect(der[layout.signerInfoVersion + 2]).toBe(3);
    for (const at of [layout.signedDataVersion + 2, layout.signerInfoVersion + 2]) {
      const bad = Buffer.from(der);
      bad[at] = 1;
      await expect(
        verifyMetadataSignature({ outer, signature: bad.toString('base64'), members: members() }),
      ).rejects.toThrow(code('SIGNATURE_MALFORMED'));
    }
  });

  it('E2EE-META-116 E2EE-META-817 E2EE-META-118: attached, attribute-less, SHA-1, PSS or two-signer signatures are SIGNATURE_MALFORMED', async () => {
    const cases = [
      ['-nodetach'],
      ['-stream'], // OpenSSL streams the content inside (indefinite-length BER, attached)
      ['-noattr'],
      ['-md', 'sha1'],
      ['-keyopt', 'rsa_padding_mode:pss'],
      ['-signer', files.write('j.pem', jorg.certPem), '-inkey', files.write('j.key', jorg.keyPem)],
    ];
    for (const flags of cases) {
      const sig = opensslSign(alice, content, flags);
      await expect(
        verifyMetadataSignature({ outer, signature: sig, members: members() }),
        flags.join(' '),
      ).rejects.toThrow(code('SIGNATURE_MALFORMED'));
    }
  });

  it('E2EE-META-115: BER (indefinite length) is accepted, trailing bytes are not', async () => {
    const der = Buffer.from(opensslSign(alice, content), 'base64');
    expect(der[0]).toBe(0x30);
    expect(der[1]).toBe(0x82); // two length bytes follow
    const ber = Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(4), Buffer.from([0, 0])]);
    const r = await verifyMetadataSignature({
      outer,
      signature: ber.toString('base64'),
      members: members(),
    });
    expect(r.signerUserId).toBe('alice');
    const trailing = Buffer.concat([der, Buffer.from([0])]).toString('base64');
    await expect(
      verifyMetadataSignature({ outer, signature: trailing, members: members() }),
    ).rejects.toThrow(code('SIGNATURE_MALFORMED'));
  });

  it('E2EE-META-124: a same-CN certificate with another key → SIGNER_NOT_MEMBER (SIGNATURE_INVALID without it embedded)', async () => {
    const sig = opensslSign(mallory, content);
    await expect(
      verifyMetadataSignature({ outer, signature: sig, members: members() }),
    ).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
    const bare = opensslSign(mallory, content, ['-nocerts']);
    await expect(
      verifyMetadataSignature({ outer, signature: bare, members: members() }),
    ).rejects.toThrow(code('SIGNATURE_INVALID'));
  });

  it('E2EE-META-121: an OpenSSL signature over other content → SIGNATURE_INVALID', async () => {
    const sig = opensslSign(alice, metadataSignedContent({ ...outer, version: '2.1' }));
    await expect(
      verifyMetadataSignature({ outer, signature: sig, members: members() }),
    ).rejects.toThrow(code('SIGNATURE_INVALID'));
  });
});
