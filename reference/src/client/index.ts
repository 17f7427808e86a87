/**
 * The reference client over HTTP: enrolment and recovery of a device, and every folder flow as
 * locked transactions against any Nextcloud-compatible server (spec/16-client-flows.md).
 *
 * @module
 */
export type { Rng } from '../_internal/bytes.js';
export {
  enrol,
  recover,
  serverIdOf,
  DEFAULT_RETRY,
  type Device,
  type DeviceOptions,
  type RetryPolicy,
} from './device.js';
export {
  createTopFolder,
  openTopFolder,
  transact,
  type FolderHandle,
  type FolderLocation,
  type FolderOperation,
} from './folder.js';
export {
  uploadFile,
  replaceFile,
  renameFileTo,
  removeFile,
  makeSubfolder,
  removeSubfolder,
  downloadFile,
  shareFolder,
  unshareFolder,
  dropFile,
  mergeDroppedFiles,
  deleteTopFolder,
  type DroppedFile,
} from './operations.js';
export type { TrustWarning } from './trust.js';
export {
  logPinKey,
  logTrustKey,
  pinLogAtEnrolment,
  pinnedLogWitness,
  stateLogTrustStore,
} from './log-pin.js';
export {
  PersistentRecoveryGate,
  RECOVERY_GATE_FORMAT,
  MAX_RECOVERY_WARNINGS,
  type RecoveryGateOptions,
  type RecoveryFolderState,
} from './recovery-gate.js';
