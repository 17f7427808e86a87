/**
 * The bytes the model run writes: metadata documents, signatures, file bodies and filedrop
 * entries, each a pure function of a small number from the command, so that a replayed case
 * writes exactly the same bytes. The server treats all of them as opaque (E2EE-API-126): they are
 * well-formed JSON objects (E2EE-API-121) in varying layouts, which the server must keep byte for
 * byte, with plain ASCII values so that a filedrop merge's re-serialisation is unambiguous
 * (E2EE-API-144).
 *
 * @module
 */

/** A metadata document in one of three layouts (compact, spaced, reordered). */
export function metadataDocument(n: number): string {
  const cipher = `{"ciphertext":"c${n}","nonce":"n${n}","authenticationTag":"t${n}"}`;
  switch (n % 3) {
    case 0:
      return `{"metadata":${cipher},"users":[],"version":"2.0"}`;
    case 1:
      return `{ "metadata" : ${cipher},\n  "users": [ ],\n  "version": "2.0" }\n`;
    default:
      return `{"version":"2.0","users":[],"metadata":${cipher},"z${n}":"x"}`;
  }
}

/** The detached signature sent with document `n` (any non-empty string; base64 as clients send). */
export function signatureFor(n: number): string {
  return Buffer.from(`sealfold-model-signature-${n}`).toString('base64');
}

/** A file body. */
export function fileBody(n: number): string {
  return `sealfold model body ${n}\n`;
}

/** A filedrop upload of one entry (e2ee-filedrop-upload.schema.json). */
export function filedropEntries(n: number): Record<string, unknown> {
  return {
    [`drop${n}`]: { ciphertext: `dc${n}`, nonce: `dn${n}`, authenticationTag: `dt${n}`, users: [] },
  };
}
