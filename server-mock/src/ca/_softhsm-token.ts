/**
 * SoftHSM2 plumbing for the PKCS#11 CA backend: locating the library, writing the project-owned
 * configuration, loading the module with that configuration, finding a token by its label and
 * initialising one on the free slot. The signer in `softhsm.ts` builds on these; nothing here
 * touches key objects.
 *
 * Spec: `spec/15-hsm.md` (E2EE-CERT-073, E2EE-CERT-074, E2EE-CERT-075).
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { SealfoldError } from '../../../reference/src/errors/index.js';

/** Where Debian/Ubuntu's `softhsm2` package puts the module (the first is a symlink). */
export const SOFTHSM_LIBRARY_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
] as const;

/** PKCS#11 token labels are 32 bytes, space padded (PKCS#11 v2.40 §3.2 CK_TOKEN_INFO). */
export const TOKEN_LABEL_MAX = 32;

/** The first existing SoftHSM2 module among `candidates`, or undefined when none is installed. */
export function findSoftHsmLibrary(
  candidates: readonly string[] = SOFTHSM_LIBRARY_CANDIDATES,
): string | undefined {
  return candidates.find((p) => existsSync(p));
}

/**
 * Writes `<dir>/softhsm2.conf` pointing at `<dir>/tokens` (created 0700) and returns the config
 * path. The system-wide configuration is root-owned and shared; a project-owned one keeps the
 * CA token beside the server's data and works as an ordinary user (E2EE-CERT-073).
 */
export function writeSoftHsmConfig(dir: string): string {
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    [
      '# Written by sealfold (server-mock/src/ca/_softhsm-token.ts); the CA token lives here.',
      `directories.tokendir = ${tokens}`,
      'objectstore.backend = file',
      'log.level = ERROR',
      'slots.removable = false',
      'slots.mechanisms = ALL',
      'library.reset_on_fork = false',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return conf;
}

/** True when `e` is a PKCS#11 error with return value `ckr`. */
export function isCkr(e: unknown, ckr: number): boolean {
  return e instanceof pkcs11js.Pkcs11Error && e.code === ckr;
}

/** The CKR_* name of a PKCS#11 error, for messages (never contains PINs or key bytes). */
export function ckrName(e: unknown): string {
  if (e instanceof pkcs11js.Pkcs11Error) {
    const name = Object.entries(pkcs11js).find(
      ([k, v]) => k.startsWith('CKR_') && v === e.code,
    )?.[0];
    return name ?? `CKR 0x${e.code.toString(16)}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Loads the module and calls C_Initialize with `conf` as SoftHSM's configuration.
 *
 * SoftHSM reads the `SOFTHSM2_CONF` environment variable once, inside C_Initialize, and keeps one
 * library instance per process. The variable is therefore set for the duration of the call and
 * restored right after; a second signer in the same process is refused (the library answers
 * CKR_CRYPTOKI_ALREADY_INITIALIZED) instead of silently sharing the first one's tokens.
 */
export function loadSoftHsm(library: string, conf: string): pkcs11js.PKCS11 {
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(library);
  } catch (e) {
    throw new SealfoldError('UNSUPPORTED', `cannot load the PKCS#11 module ${library}`, {
      cause: e,
    });
  }
  const previous = process.env['SOFTHSM2_CONF'];
  process.env['SOFTHSM2_CONF'] = conf;
  try {
    p11.C_Initialize();
  } catch (e) {
    p11.close();
    if (isCkr(e, pkcs11js.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      throw new SealfoldError(
        'SERVER_ERROR',
        'a SoftHSM CA is already open in this process; close it first (SoftHSM keeps one instance per process)',
        { cause: e },
      );
    }
    throw new SealfoldError(
      'SERVER_ERROR',
      `SoftHSM C_Initialize failed (${ckrName(e)}); is ${conf} readable?`,
      { cause: e },
    );
  } finally {
    if (previous === undefined) delete process.env['SOFTHSM2_CONF'];
    else process.env['SOFTHSM2_CONF'] = previous;
  }
  return p11;
}

/** The label of a token as a trimmed string (CK_TOKEN_INFO pads it with spaces). */
function tokenLabel(p11: pkcs11js.PKCS11, slot: pkcs11js.Handle): string {
  return p11.C_GetTokenInfo(slot).label.replace(/[\s\0]+$/, '');
}

/**
 * The slot whose initialised token carries `label`, or undefined. Slot IDs are reassigned when a
 * token is initialised, so the label is the only stable name (E2EE-CERT-074).
 */
export function findTokenSlot(p11: pkcs11js.PKCS11, label: string): pkcs11js.Handle | undefined {
  const matches = p11.C_GetSlotList(true).filter((slot) => {
    const flags = p11.C_GetTokenInfo(slot).flags;
    return (flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0 && tokenLabel(p11, slot) === label;
  });
  if (matches.length > 1) {
    // E2EE-CERT-074 (MUST, server): an ambiguous label is an error, never "the first one".
    throw new SealfoldError('SERVER_ERROR', `more than one token is labelled "${label}"`);
  }
  return matches[0];
}

/**
 * Initialises a new token labelled `label` on SoftHSM's free slot and sets its user PIN
 * (C_InitToken, then C_InitPIN in an SO session). This is what `softhsm2-util --init-token --free`
 * does, without putting the PINs on a command line where other local users could read them from
 * the process table (E2EE-CERT-075).
 */
export function initToken(
  p11: pkcs11js.PKCS11,
  label: string,
  soPin: string,
  userPin: string,
): pkcs11js.Handle {
  const initialised = (slot: pkcs11js.Handle) =>
    (p11.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0;
  const serials = new Set(
    p11
      .C_GetSlotList(true)
      .filter(initialised)
      .map((slot) => p11.C_GetTokenInfo(slot).serialNumber),
  );
  const free = p11.C_GetSlotList(true).find((slot) => !initialised(slot));
  if (free === undefined) throw new SealfoldError('SERVER_ERROR', 'SoftHSM has no free slot');
  try {
    p11.C_InitToken(free, soPin, label.padEnd(TOKEN_LABEL_MAX, ' '));
    // The new token moves to a new slot id; it is the initialised one with an unseen serial.
    const slot = p11
      .C_GetSlotList(true)
      .find(
        (sl) =>
          initialised(sl) &&
          !serials.has(p11.C_GetTokenInfo(sl).serialNumber) &&
          tokenLabel(p11, sl) === label,
      );
    if (slot === undefined) throw new Error('the new token is not listed');
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      p11.C_Login(session, pkcs11js.CKU_SO, soPin);
      p11.C_InitPIN(session, userPin);
      p11.C_Logout(session);
    } finally {
      p11.C_CloseSession(session);
    }
    return slot;
  } catch (e) {
    if (e instanceof SealfoldError) throw e;
    throw new SealfoldError('SERVER_ERROR', `cannot initialise token "${label}" (${ckrName(e)})`, {
      cause: e,
    });
  }
}
