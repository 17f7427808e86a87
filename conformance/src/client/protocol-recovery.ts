/**
 * The recovery-key methods of the driver protocol (spec/18-driver-protocol.md §10, profile
 * `client-recovery-key`; spec/20-recovery-key.md): give the client its trust anchor, list the
 * recovery-key events it reported, consent for a folder, and report a folder's recovery state.
 * Optional: a driver that answers them UNSUPPORTED cannot claim the profile (E2EE-DRV-804).
 *
 * @module
 */

/** One event of spec/20 E2EE-RKEY-020 / -032 as the driver reports it. */
export interface RecoveryEvent {
  kind:
    | 'recovery-key-offered'
    | 'recovery-key-changed'
    | 'recovery-key-retired'
    | 'recovery-key-withdrawn'
    | 'recovery-key-rejected'
    | 'recovery-wrap-missing';
  /** The spec error code of a rejection or a missing wrap. */
  code?: string;
  recoveryKeySha256?: string;
  signerKeySha256?: string;
  serial?: number;
  issuer?: string;
  purpose?: string;
  scopeUsers?: string[];
  /** True when the policy gives this user a recipient (active, in scope, in force). */
  applies?: boolean;
  /** The top folder of a `recovery-wrap-missing`. */
  folder?: string;
}

export interface RecoveryConfigureParams {
  /** The anchor the organisation gives outside the server (E2EE-RKEY-808): at least one. */
  anchor: { signerKeySha256?: string; recoveryKeySha256?: string };
}
export interface RecoveryEventsResult {
  events: RecoveryEvent[];
}
export interface RecoveryConsentParams {
  folder: string;
  recoveryKeySha256: string;
}
export interface RecoveryFolderParams {
  folder: string;
}
export interface RecoveryFolderResult {
  consented: boolean;
  wrapped: boolean;
  missing: boolean;
  recoveryKeySha256?: string | null;
}

/** Params and result of every recovery-key method. */
export interface RecoveryDriverMethods {
  'recovery.configure': { params: RecoveryConfigureParams; result: Record<string, never> };
  'recovery.events': { params: Record<string, never>; result: RecoveryEventsResult };
  'recovery.consent': { params: RecoveryConsentParams; result: Record<string, never> };
  'recovery.folder': { params: RecoveryFolderParams; result: RecoveryFolderResult };
}

export const RECOVERY_DRIVER_METHODS = [
  'recovery.configure',
  'recovery.events',
  'recovery.consent',
  'recovery.folder',
] as const satisfies ReadonlyArray<keyof RecoveryDriverMethods>;
