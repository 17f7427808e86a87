/**
 * The signature is trusted only together with the member certificates (E2EE-META-805 to E2EE-META-807): a server
 * that mints a certificate for an existing member with its own key can make a valid signature by a
 * "member"; only the certificate checks and pins catch it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { acceptUserCertificate, MemoryPinStore } from '../../src/certs/index.js';
import { fromBase64, toBase64 } from '../../src/_internal/bytes.js';
import { signMetadata, verifyMetadataSignature } from '../../src/signature/index.js';
import {
  makeIdentity,
  makeServerKey,
  membersOf,
  sampleOuter,
  type Identity,
  type ServerKey,
} from '../_support/identities.js';

const code = (c: string) => expect.objectContaining({ code: c });

let server: ServerKey;
let otherServer: ServerKey;
let alice: Identity;
let bob: Identity;
let forgedAlice: Identity; // issued by the (malicious) server for CN=alice with a key it holds
let rogue: Identity; // CN=alice, issued by another key

beforeAll(async () => {
  server = makeServerKey();
  otherServer = makeServerKey();
  alice = await makeIdentity('alice', server);
  bob = await makeIdentity('bob', server);
  forgedAlice = await makeIdentity('alice', server);
  rogue = await makeIdentity('alice', otherServer);
});

/** What a careful reader does: signature, then every member certificate against server key and pins. */
async function readFolder(text: string, signature: string, pins: MemoryPinStore) {
  const users = (JSON.parse(text).users ?? []) as { userId: string; certificate: string }[];
  const members = users.map((u) => ({ userId: u.userId, certificate: u.certificate }));
  const verified = await verifyMetadataSignature({ outer: text, signature, members });
  for (const u of users) {
    await acceptUserCertificate({
      certificate: u.certificate,
      serverPublicKey: server.publicKeyPem,
      userId: u.userId,
      pins,
    });
  }
  return verified;
}

describe('signature and member certificates together', () => {
  it('E2EE-META-807: an honest document passes both; a server-minted same-name certificate passes the signature but not the pin (KEY_CHANGED)', async () => {
    const pins = new MemoryPinStore();
    const honest = JSON.stringify(sampleOuter([alice, bob]));
    const s1 = await signMetadata({
      outer: honest,
      signerCertificate: alice.certPem,
      signerPrivateKey: alice.pkcs8,
    });
    await expect(readFolder(honest, s1, pins)).resolves.toMatchObject({ signerUserId: 'alice' });

    // The server replaces alice's certificate by one it minted and signs with its key.
    const forged = JSON.stringify(sampleOuter([forgedAlice, bob]));
    const s2 = await signMetadata({
      outer: forged,
      signerCertificate: forgedAlice.certPem,
      signerPrivateKey: forgedAlice.pkcs8,
    });
    // The signature alone is valid and its signer is "a member" ...
    await expect(
      verifyMetadataSignature({
        outer: forged,
        signature: s2,
        members: membersOf([forgedAlice, bob]),
      }),
    ).resolves.toMatchObject({ signerUserId: 'alice' });
    // ... only the pinned certificate tells the difference.
    await expect(readFolder(forged, s2, pins)).rejects.toThrow(code('KEY_CHANGED'));
    // Verifying against the previous verified membership catches it as well (E2EE-META-126).
    await expect(
      verifyMetadataSignature({
        outer: forged,
        signature: s2,
        members: membersOf([forgedAlice, bob]),
        previousMembers: membersOf([alice, bob]),
      }),
    ).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
  });

  it('E2EE-META-805: a member certificate not issued by the server key → CERT_UNTRUSTED', async () => {
    const doc = JSON.stringify(sampleOuter([rogue, bob]));
    const s = await signMetadata({
      outer: doc,
      signerCertificate: rogue.certPem,
      signerPrivateKey: rogue.pkcs8,
    });
    await expect(readFolder(doc, s, new MemoryPinStore())).rejects.toThrow(code('CERT_UNTRUSTED'));
  });

  it("E2EE-META-806: a member entry holding another member's certificate → CERT_USER_MISMATCH", async () => {
    // alice's entry carries bob's certificate; bob signs, so the signature itself verifies.
    const outer = sampleOuter([alice, bob]) as { users: { userId: string; certificate: string }[] };
    outer.users[0]!.certificate = bob.certPem;
    const doc = JSON.stringify(outer);
    const s = await signMetadata({
      outer: doc,
      signerCertificate: bob.certPem,
      signerPrivateKey: bob.pkcs8,
    });
    const members = outer.users.map((u) => ({ userId: u.userId, certificate: u.certificate }));
    // The signature alone verifies, and names as signer "alice", whose entry holds bob's key ...
    await expect(
      verifyMetadataSignature({ outer: doc, signature: s, members }),
    ).resolves.toMatchObject({ signerUserId: 'alice' });
    // ... only the check that each certificate names the user it is listed for refuses it.
    await expect(readFolder(doc, s, new MemoryPinStore())).rejects.toThrow(
      code('CERT_USER_MISMATCH'),
    );
  });
});

describe('header value', () => {
  it('E2EE-META-114: is canonical base64 without line breaks, valid per metadata-signature.schema.json', async () => {
    const schema = JSON.parse(
      readFileSync(
        new URL('../../../spec/schemas/metadata-signature.schema.json', import.meta.url),
        'utf8',
      ),
    );
    const validate = new Ajv2020({ strict: true }).compile(schema);
    const doc = sampleOuter([alice]);
    const s = await signMetadata({
      outer: doc,
      signerCertificate: alice.certPem,
      signerPrivateKey: alice.pkcs8,
    });
    expect(toBase64(fromBase64(s, 'signature'))).toBe(s);
    expect(s).not.toMatch(/\s/);
    expect(validate(s)).toBe(true);
    for (const bad of [s + '\n', s.slice(0, 64) + '\n' + s.slice(64), '', 'AAAA', s.slice(0, -1)]) {
      expect(validate(bad), JSON.stringify(bad.slice(-3))).toBe(false);
    }
  });
});
