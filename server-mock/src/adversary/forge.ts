/**
 * What a malicious server can make on its own: certificates its CA signs for keys it holds, a
 * certificate from another CA, another server key, and whole metadata documents signed by an
 * identity it minted. Made with the reference library (the adversary is a client of the protocol
 * too) and the mock's own CA signer, so every certificate is CA-valid exactly as an honest
 * issuance is. Minted identities are cached per user id: an attack serves the same forgery on
 * every answer of a run.
 *
 * @module
 */
import { createCsr, csrToPem } from '../../../reference/src/certs/index.js';
import { generateUserKeyPair, publicKeyToPem } from '../../../reference/src/keys/index.js';
import { MemoryPinStore } from '../../../reference/src/certs/index.js';
import { createFolder, type FolderContext } from '../../../reference/src/folders/index.js';
import { addMember } from '../../../reference/src/sharing/index.js';
import type { CaSigner } from '../ca/signer.js';
import { issueCertificate } from '../ca/issue.js';
import { openSoftwareCa } from '../ca/software.js';

/** A key pair the server holds, with a certificate for `userId`. */
export interface MintedIdentity {
  readonly userId: string;
  readonly pkcs8: Uint8Array;
  readonly certificatePem: string;
}

/** A document and its signature, as `GET /meta-data` serves them. */
export interface ServedDocument {
  readonly document: string;
  readonly signature: string;
}

export interface Forge {
  /** A certificate under the server's CA for a fresh key the server holds (cached per user). */
  mint(userId: string): Promise<MintedIdentity>;
  /** Like {@link mint}, but the certificate is issued under a CA key that is not the server's. */
  mintUnderOtherCa(userId: string): Promise<MintedIdentity>;
  /** A certificate for the key of `csrPem` issued under a CA key that is not the server's. */
  issueUnderOtherCa(csrPem: string, userId: string): Promise<string>;
  /** A fresh RSA public key (PEM) that is not the server's. */
  otherServerKey(): Promise<string>;
  /**
   * A root document for `rootId` signed by `signer`, wrapping a server-chosen metadata key for
   * the signer and every reader.
   */
  document(
    signer: MintedIdentity,
    rootId: string,
    readers: readonly { userId: string; certificate: string }[],
  ): Promise<ServedDocument>;
}

/** A forge using the server's CA signer `ca`; `now` is the issuance time of minted certificates. */
export function forge(ca: CaSigner, now: () => Date): Forge {
  const minted = new Map<string, Promise<MintedIdentity>>();
  const mintedElsewhere = new Map<string, Promise<MintedIdentity>>();
  let otherCa: Promise<CaSigner> | undefined;
  let otherKey: Promise<string> | undefined;
  const mintWith = async (signer: CaSigner, userId: string): Promise<MintedIdentity> => {
    const { pkcs8 } = await generateUserKeyPair();
    const csr = csrToPem(await createCsr(pkcs8, userId));
    const issued = await issueCertificate({ csr, expectedCn: userId, signer, now: now() });
    return { userId, pkcs8, certificatePem: issued.pem };
  };
  return {
    mint(userId) {
      let m = minted.get(userId);
      if (m === undefined) minted.set(userId, (m = mintWith(ca, userId)));
      return m;
    },
    mintUnderOtherCa(userId) {
      let m = mintedElsewhere.get(userId);
      if (m === undefined) {
        otherCa ??= openSoftwareCa({ dataDir: null });
        mintedElsewhere.set(userId, (m = otherCa.then((signer) => mintWith(signer, userId))));
      }
      return m;
    },
    async issueUnderOtherCa(csrPem, userId) {
      // An in-memory CA with its own key: a certificate a client must not trust.
      otherCa ??= openSoftwareCa({ dataDir: null });
      const signer = await otherCa;
      return (await issueCertificate({ csr: csrPem, expectedCn: userId, signer, now: now() })).pem;
    },
    otherServerKey() {
      otherKey ??= generateUserKeyPair().then((k) => publicKeyToPem(k.spki));
      return otherKey;
    },
    async document(signer, rootId, readers) {
      const ctx: FolderContext = {
        signer: {
          userId: signer.userId,
          certificate: signer.certificatePem,
          privateKey: signer.pkcs8,
        },
      };
      const trust = { serverPublicKey: await ca.publicKeySpki(), pins: new MemoryPinStore() };
      let change = await createFolder(ctx, rootId);
      for (const r of readers) {
        if (r.userId === signer.userId) continue;
        change = await addMember(change.state, ctx, r, trust);
      }
      const root = change.metadata.find((m) => m.folderId === rootId)!;
      return { document: root.document, signature: root.signature };
    },
  };
}
