/**
 * Verifying a metadata signature and its signer's membership (spec/06-signature.md §What
 * verifiers accept and §Signer and membership, E2EE-META-115..131).
 *
 * The server stores `X-NC-E2EE-SIGNATURE` opaquely and never verifies it, so this check is the
 * only thing that stops it from serving metadata no member wrote. A signature is accepted when
 *
 *     messageDigest = SHA-256(signedContent)            (one of the content variants)
 *   ∧ RSASSA-PKCS1-v1_5-SHA256.verify(key, DER(signedAttrs), signature)
 *   ∧ key = the public key of the certificate of a member (matched by key, not by name)
 *   ∧ (if previousMembers is given) key = the public key of a previous member   (R3)
 *   ∧ every embedded certificate = (byte for byte) the certificate of a member
 *
 * The caller must also have validated every member certificate against the pinned server key
 * and its pinned certificate (certs module): a signature by a member whose certificate the server
 * swapped proves nothing (E2EE-META-805 to E2EE-META-807).
 *
 * @module
 */
import { constants, verify as rsaVerify, type KeyObject } from 'node:crypto';
import { equalBytes, sha256 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { decodeSignature } from './_cms.js';
import {
  loadCertificate,
  matchesSignerId,
  sameKey,
  type CertificateInput,
  type LoadedCertificate,
} from './_certs.js';
import {
  signedContentCandidates,
  type ContentVariant,
  type MetadataDocumentInput,
} from './canonical.js';

/** A member of the folder: for a root folder, an entry of its `users`; for a sub-folder, of its root's. */
export interface MetadataMember {
  userId: string;
  /** The member's certificate (PEM text as in `users[].certificate`, or DER bytes). */
  certificate: CertificateInput;
}

/** Options of {@link verifyMetadataSignature}. */
export interface VerifyMetadataSignatureOptions {
  /** The outer metadata document as received (text, UTF-8 bytes or its parsed JSON value). */
  outer: MetadataDocumentInput;
  /** The `X-NC-E2EE-SIGNATURE` value (base64 of the CMS DER); absent or empty → SIGNATURE_MISSING. */
  signature: string | null | undefined;
  /** Who may sign: the `users` of the root folder's metadata (validated by the caller). */
  members: readonly MetadataMember[];
  /**
   * The members of the last version of this folder the client verified, when it has one: the
   * signer must be one of them too, so that a membership change is signed by someone who already
   * was a member (E2EE-META-126, invariant R3).
   */
  previousMembers?: readonly MetadataMember[];
}

/** What a valid signature tells the caller. */
export interface VerifiedMetadataSignature {
  /** The member whose certificate's key made the signature. */
  signerUserId: string;
  /** The signingTime attribute: asserted by the signer, informational only; may be absent. */
  signingTime: Date | undefined;
  /** Which canonicalisation the signature covers ('canonical' for every conforming writer). */
  contentVariant: ContentVariant;
}

/** Loads each member's certificate; one byte-identical to a `known` one is reused, not re-parsed. */
function loadMembers(
  members: readonly MetadataMember[],
  name: string,
  known: readonly LoadedCertificate[] = [],
): LoadedCertificate[] {
  if (!Array.isArray(members)) throw new TypeError(`"${name}" must be an array`);
  return members.map((m, i) => {
    if (typeof m?.userId !== 'string')
      throw new TypeError(`"${name}[${i}].userId" must be a string`);
    return loadCertificate(m.certificate, `the certificate of member "${m.userId}"`, known);
  });
}

/**
 * An embedded certificate is part of the signature: if it does not parse, the signature is
 * malformed. One byte-identical to a member's (as E2EE-META-130 requires) is the member's.
 */
function embeddedCertificate(der: Uint8Array, members: readonly LoadedCertificate[]) {
  try {
    return loadCertificate(der, 'an embedded certificate', members);
  } catch (e) {
    throw new SealfoldError('SIGNATURE_MALFORMED', 'an embedded certificate does not parse', {
      cause: e,
    });
  }
}

function rsaSha256Verifies(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (key.asymmetricKeyType !== 'rsa') return false;
  try {
    return rsaVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies the detached CMS signature of an outer metadata document and identifies its signer
 * among the folder's members.
 *
 * @returns The signer's user id, the signingTime, and the content variant.
 * @throws SealfoldError: METADATA_MALFORMED (the document), SIGNATURE_MISSING (absent or empty),
 *   SIGNATURE_MALFORMED (not base64 / not a detached SignedData of the accepted profile),
 *   PEM_MALFORMED / CERT_MALFORMED (a member certificate), SIGNATURE_INVALID (digest or signature
 *   wrong, or an embedded certificate that is not byte-identical to a member's), SIGNER_NOT_MEMBER (a valid signature by a key no member certificate holds, or a signer
 *   named by no member and no embedded certificate).
 * @example
 * const { signerUserId } = await verifyMetadataSignature({ outer: text, signature, members: users });
 */
export async function verifyMetadataSignature(
  opts: VerifyMetadataSignatureOptions,
): Promise<VerifiedMetadataSignature> {
  const { outer, signature } = opts;
  // spec/06-signature.md §6, steps 1-4: the document parses, the signature is present and
  // decodes, the member certificates parse; then the cryptographic checks.
  const contents = signedContentCandidates(outer);
  // E2EE-META-120 (MUST, client): a 2.x document without a signature is rejected.
  if (signature === undefined || signature === null || signature === '') {
    throw new SealfoldError('SIGNATURE_MISSING', 'the metadata has no signature');
  }
  if (typeof signature !== 'string') throw new TypeError('"signature" must be a base64 string');
  const decoded = decodeSignature(signature);
  const members = loadMembers(opts.members, 'members');
  const previous =
    opts.previousMembers === undefined
      ? undefined
      : loadMembers(opts.previousMembers, 'previousMembers', members);
  const embedded = decoded.certificates.map((der) => embeddedCertificate(der, members));

  // E2EE-META-121 (MUST, client): the messageDigest attribute must be SHA-256 of the signed content.
  const content = contents.find((c) => equalBytes(sha256(c.content), decoded.messageDigest));
  if (content === undefined) throw new SealfoldError('SIGNATURE_INVALID');

  // E2EE-META-123 (MUST, client): the certificates the SignerInfo names, members' first.
  const named = [...members, ...embedded].filter((c) => matchesSignerId(c, decoded.sid));
  if (named.length === 0) {
    throw new SealfoldError(
      'SIGNER_NOT_MEMBER',
      'the signer is not a member of the folder (no member or embedded certificate matches the signer identifier)',
    );
  }
  // E2EE-META-122 (MUST, client): RSASSA-PKCS1-v1_5 with SHA-256 over the DER of the signed
  // attributes, whether signatureAlgorithm says rsaEncryption or sha256WithRSAEncryption.
  const signer = named.find((c) =>
    rsaSha256Verifies(c.publicKey, decoded.signedAttrs, decoded.signature),
  );
  if (signer === undefined) throw new SealfoldError('SIGNATURE_INVALID');

  // E2EE-META-124 (MUST, client): the signer is a member by public key, not by name.
  const idx = members.findIndex((m) => sameKey(m.publicKey, signer.publicKey));
  if (idx === -1) {
    throw new SealfoldError(
      'SIGNER_NOT_MEMBER',
      "the metadata was signed with a key that is not in any member's certificate",
    );
  }
  // E2EE-META-126 (MUST, client): with a previous verified membership, the signer was a member.
  if (previous !== undefined && !previous.some((m) => sameKey(m.publicKey, signer.publicKey))) {
    throw new SealfoldError(
      'SIGNER_NOT_MEMBER',
      'the metadata was signed by someone who was not a member of the previous version',
    );
  }
  // E2EE-META-130 (MUST, client): the embedded certificates are not covered by the signature,
  // so each must be a member's certificate exactly as listed; any other byte there is a change
  // to the signature that nothing else would notice.
  if (!embedded.every((e) => members.some((m) => equalBytes(m.der, e.der)))) {
    throw new SealfoldError('SIGNATURE_INVALID');
  }
  return {
    signerUserId: opts.members[idx]!.userId,
    signingTime: decoded.signingTime,
    contentVariant: content.variant,
  };
}
