/**
 * The driver protocol's messages as TypeScript types (spec/18-driver-protocol.md). The JSON
 * Schemas in `spec/schemas/driver/` are the normative form; these types mirror them so that the
 * harness and the reference driver are checked by the compiler as well.
 *
 * @module
 */
import { RECOVERY_DRIVER_METHODS, type RecoveryDriverMethods } from './protocol-recovery.js';
export * from './protocol-recovery.js';

/** The protocol version this harness speaks (`driver.hello` `driverApi`). */
export const DRIVER_API = '1';

/** JSON-RPC error codes of the driver protocol (E2EE-DRV-040). */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  unsupported: -32010,
  precondition: -32011,
  protocolRejected: -32020,
} as const;

/** A file or folder inside a folder, as the client decrypted it. */
export interface FolderEntry {
  /** Path below the top folder, `/`-separated, decrypted names. */
  path: string;
  kind: 'file' | 'folder';
  /** Lower-case hex SHA-256 of the plaintext (files only). */
  plainSha256?: string;
  /** Plaintext length in bytes (files only). */
  size?: number;
}

/** The convergence oracle (`state.fingerprint`), computed from local state without network. */
export interface FolderFingerprint {
  path: string;
  /** The root document's counter the client last verified or wrote. */
  counter: number;
  /** Lower-case hex SHA-256 of the current metadata key. */
  metadataKeySha256: string;
  /** User ids the current metadata key is wrapped for, sorted. */
  members: string[];
  /** Every entry of the tree, sorted by path. */
  entries: FolderEntry[];
}

export interface HelloParams {
  driverApi: string;
}
export interface HelloResult {
  name: string;
  vendor?: string;
  version: string;
  driverApi: string;
  profiles: string[];
  features: string[];
  /** Vendor error text (regular expression source) → spec error code (E2EE-DRV-043). */
  errorMap?: Array<{ pattern: string; e2eeCode: string }>;
}

export interface ConfigureParams {
  server: { baseUrl: string };
  account: { userId: string; password: string };
  workDir: string;
}

export interface EnrollResult {
  certFingerprintSha256: string;
  /** Only with the `expose-secrets` feature. */
  mnemonic?: string[];
}
export interface RecoverParams {
  mnemonic: string[];
}
export interface RecoverResult {
  certFingerprintSha256: string;
}
export interface StatusResult {
  enrolled: boolean;
  certFingerprintSha256: string | null;
  serverKeyFingerprintSha256: string | null;
}

export interface FolderCreateParams {
  path: string;
}
export interface FolderCreateResult {
  path: string;
}
export interface FolderListParams {
  folder: string;
}
export interface FolderListResult {
  entries: FolderEntry[];
}

export interface FileUploadParams {
  folder: string;
  /** Path below the top folder; its parent folders must exist. */
  name: string;
  source: { path: string; sha256: string };
}
export interface FileUploadResult {
  plainSha256: string;
  size: number;
}
export interface FileDownloadParams {
  folder: string;
  name: string;
  dest: { path: string };
}
export interface FileDownloadResult {
  plainSha256: string;
  size: number;
}
export interface FileRenameParams {
  folder: string;
  name: string;
  newName: string;
}
export interface FileDeleteParams {
  folder: string;
  name: string;
}
export interface ShareParams {
  folder: string;
  userId: string;
}
export interface FiledropPutParams {
  folder: string;
  name: string;
  source: { path: string; sha256: string };
}
export interface FiledropPutResult {
  recipients: string[];
}
export interface SyncRefreshParams {
  folder: string;
  /** Merge pending filedrop entries (the member's side of filedrop). */
  mergeFiledrop?: boolean;
}
export interface SyncRefreshResult {
  counter: number;
  merged?: string[];
}
export interface FingerprintParams {
  folder: string;
}
export interface FingerprintResult {
  folder: FolderFingerprint | null;
  /** Opaque digest of the client's trust state (pins, high-water marks, known members). */
  trustSha256: string;
}

/** A witness a client trusts for the transparency log (spec/21 §6). */
export interface LogWitnessTrust {
  /** signed-note vkey of the witness's cosignature key (type 0x04). */
  verifierKey: string;
  /** The witness prefix; `<url>/latest?origin=` serves its latest cosigned checkpoint. */
  url: string;
}
export interface LogConfigureParams {
  witnesses: LogWitnessTrust[];
  /** Cosignatures of distinct trusted witnesses every checkpoint must carry; 0 for none. */
  quorum: number;
}
export interface LogStatusResult {
  /** The last verified checkpoint (base64 root), null before any. */
  checkpoint: { origin: string; size: number; root: string } | null;
  /** The code of the client's latest refusal because of the log, or null. */
  lastRefusal: string | null;
}

/** Params and result of every method. */
export interface DriverMethods extends RecoveryDriverMethods {
  'driver.hello': { params: HelloParams; result: HelloResult };
  'session.configure': { params: ConfigureParams; result: Record<string, never> };
  'identity.enroll': { params: Record<string, never>; result: EnrollResult };
  'identity.recover': { params: RecoverParams; result: RecoverResult };
  'identity.status': { params: Record<string, never>; result: StatusResult };
  'folder.create': { params: FolderCreateParams; result: FolderCreateResult };
  'folder.list': { params: FolderListParams; result: FolderListResult };
  'file.upload': { params: FileUploadParams; result: FileUploadResult };
  'file.download': { params: FileDownloadParams; result: FileDownloadResult };
  'file.rename': { params: FileRenameParams; result: Record<string, never> };
  'file.delete': { params: FileDeleteParams; result: Record<string, never> };
  'share.add': { params: ShareParams; result: Record<string, never> };
  'share.remove': { params: ShareParams; result: Record<string, never> };
  'filedrop.put': { params: FiledropPutParams; result: FiledropPutResult };
  'sync.refresh': { params: SyncRefreshParams; result: SyncRefreshResult };
  'state.fingerprint': { params: FingerprintParams; result: FingerprintResult };
  'log.configure': { params: LogConfigureParams; result: Record<string, never> };
  'log.status': { params: Record<string, never>; result: LogStatusResult };
  'driver.shutdown': { params: Record<string, never>; result: Record<string, never> };
}

export type DriverMethod = keyof DriverMethods;

export const DRIVER_METHODS: readonly DriverMethod[] = [
  'driver.hello',
  'session.configure',
  'identity.enroll',
  'identity.recover',
  'identity.status',
  'folder.create',
  'folder.list',
  'file.upload',
  'file.download',
  'file.rename',
  'file.delete',
  'share.add',
  'share.remove',
  'filedrop.put',
  'sync.refresh',
  'state.fingerprint',
  'log.configure',
  'log.status',
  'driver.shutdown',
  ...RECOVERY_DRIVER_METHODS,
];

/** `error.data` of a PROTOCOL_REJECTED error. */
export interface RejectionData {
  e2eeCode?: string;
  vendorCode?: string;
  vendorMessage?: string;
}

/** The JSON-RPC error object. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: RejectionData;
}
