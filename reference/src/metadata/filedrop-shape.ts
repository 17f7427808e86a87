/**
 * Shape check of one 2.x filedrop entry (schema `metadata-v2-filedrop.schema.json`). Opening
 * the entry (unwrap, AES-GCM, gzip) belongs to the filedrop code of the sharing chapter.
 *
 * @module
 */
import { validateSchema } from './_schemas.js';

/** Throws METADATA_MALFORMED unless `entry` has the 2.x filedrop entry shape. */
export function validateFiledropEntryShape(entry: unknown, id = 'entry'): void {
  validateSchema('metadata-v2-filedrop.schema.json', entry, `filedrop.${id}`);
}
