/**
 * The primitives the protocol is made of, for parts that build or check bytes below the
 * protocol functions (test vectors, the mock server's CA, interop tests): AES-GCM with the
 * accepted IV lengths (spec/07-files.md, spec/05-metadata.md), RSA-OAEP with SHA-256 key wrapping
 * (spec/02-keys.md), and the pkijs engine on Node's WebCrypto with a strict DER decoder.
 *
 * Importing this module installs that engine as pkijs's process-wide engine (see
 * `package.json` `sideEffects`).
 *
 * @module
 */
export {
  aesGcmDecrypt,
  aesGcmEncrypt,
  GCM_IV_LENGTHS,
  GCM_TAG_LENGTH,
} from '../_internal/aesgcm.js';
export { rsaOaepUnwrap, rsaOaepWrap } from '../_internal/rsa-oaep.js';
export { bytesOf, decodeAsn1, decodeDer, pkiEngine, subtle } from '../_internal/pkijs.js';
export { canonicalJson, type JsonObject, type JsonValue } from '../_internal/json.js';
