/**
 * The reference client's HTTP layer: a replaceable transport, OCS calls with the spec's error
 * mapping, typed E2EE API calls and the WebDAV subset. Protocol flows are in `sealfold/client`.
 *
 * @module
 */
export {
  fetchTransport,
  recordingTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from './transport.js';
export {
  USER_AGENT,
  ServerRejected,
  codeForStatus,
  ocsCall,
  type Account,
  type ClientContext,
  type OcsRequest,
  type OcsResult,
} from './ocs.js';
export * as e2ee from './e2ee-api.js';
export * as webdav from './webdav.js';
