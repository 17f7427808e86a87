/**
 * `/cloud/capabilities` and `/cloud/user` under `/ocs/v{1,2}.php`.
 *
 * The `end-to-end-encryption` capability (E2EE-API-010): `enabled`, `api-version` from the
 * profile, and `keys-exist` (the user has a certificate and a private key on the server).
 *
 * @module
 */
import { Router, type RequestHandler } from 'express';
import type { Deps } from '../context.js';
import { requireUser } from '../context.js';
import { sendOcs } from './envelope.js';
import { PROFILE_INFO, versionString } from '../../profiles.js';
import { recoveryKeyCapability } from '../../recovery-key/routes.js';
import { logCapability } from '../../log-tree/router.js';

export function cloudRouter(deps: Deps): Router {
  const r = Router();
  r.get('/capabilities', getCapabilities(deps));
  r.get('/user', getCurrentUser(deps));
  return r;
}

/** GET /capabilities */
function getCapabilities(deps: Deps): RequestHandler {
  const { config, store, faults } = deps;
  const info = PROFILE_INFO[config.profile];
  return (req, res) => {
    const uid = req.sealfold.user;
    const [major, minor, micro] = info.serverVersion;
    // E2EE-API-010 (MUST, server): advertise the E2EE API version and whether the user's keys exist.
    const tlog = faults.on('log-capability-missing') ? null : logCapability(deps);
    const e2ee = {
      enabled: true,
      'api-version': info.apiVersion,
      // E2EE-API-011 (MUST, server): true exactly when both keys are stored.
      'keys-exist':
        faults.on('keys-exist-always-true') ||
        (uid !== null && !!store.get('publicKeys', uid) && !!store.get('privateKeys', uid)),
      ...recoveryKeyCapability(),
      // E2EE-LOG-001 (MUST, server): the log is advertised exactly when the server keeps one.
      ...(tlog === null ? {} : { 'transparency-log': tlog }),
    };
    sendOcs(req, res, {
      version: {
        major,
        minor,
        micro,
        string: versionString(config.profile),
        edition: '',
        extendedSupport: false,
      },
      capabilities: {
        core: { pollinterval: 60, 'webdav-root': 'remote.php/webdav' },
        dav: { chunking: '1.0' },
        // E2EE-API-011 (MUST, server): anonymous callers get no E2EE capability (every release).
        ...(uid === null ? {} : { 'end-to-end-encryption': e2ee }),
      },
    });
  };
}

/** GET /user */
function getCurrentUser({ store }: Deps): RequestHandler {
  return (req, res) => {
    const uid = requireUser(req);
    const u = store.get('users', uid)!;
    sendOcs(req, res, {
      id: u.uid,
      'display-name': u.displayName,
      displayname: u.displayName,
      email: u.email,
      enabled: true,
    });
  };
}
