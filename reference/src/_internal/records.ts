/**
 * Records keyed by ids that come from documents or servers. `obj[id] = v` with a new key
 * `__proto__` replaces the object's prototype instead of adding an entry, so an entry with that
 * id would vanish silently; {@link setOwn} always adds an own property.
 *
 * @module
 */

/** Adds (or replaces) the own enumerable property `key`, even when `key` is `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
