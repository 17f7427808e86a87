/**
 * Metadata signatures: the `X-NC-E2EE-SIGNATURE` header of metadata 2.x (spec/06-signature.md,
 * E2EE-META-100..129).
 *
 * - {@link canonicalMetadataJson} / {@link metadataSignedContent}: the exact bytes that are signed;
 * - {@link signMetadata}: a detached CMS SignedData (pkijs) over them;
 * - {@link verifyMetadataSignature}: accepts what OpenSSL (desktop), BouncyCastle (Android) and
 *   pkijs (web) write, and identifies the signer among the folder's members by public key.
 *
 * A signature is trusted only as far as the member certificates are: callers validate them
 * against the pinned server key and the pinned certificates first (certs module).
 *
 * @module
 */
export {
  canonicalMetadataJson,
  metadataSignedContent,
  CONTENT_VARIANTS,
  UNSIGNED_TOP_LEVEL_KEY,
  type ContentVariant,
  type MetadataDocumentInput,
} from './canonical.js';
export { signMetadata, type SignMetadataOptions } from './sign.js';
export {
  verifyMetadataSignature,
  type MetadataMember,
  type VerifiedMetadataSignature,
  type VerifyMetadataSignatureOptions,
} from './verify.js';
export type { CertificateInput } from './_certs.js';
export type { JsonObject, JsonValue } from '../_internal/json.js';
