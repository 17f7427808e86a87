/**
 * `/cloud/capabilities` and `/cloud/user` under `/ocs/v{1,2}.php`.
 *
 * The `end-to-end-encryption` capability (E2EE-API-010): `enabled`, `api-version` from the
 * profile, and `keys-exist` (the user has a certificate and a private key on the server).
 *
 * @module
 */
import { Router } from 'express';
import type { Deps } from './context.js';
import { requireUser } from './context.js';
import { sendOcs } from './ocs.js';
import { PROFILE_INFO, versionString } from '../profiles.js';
import { logCapability } from '../log-tree/router.js';

export function cloudRouter(deps: Deps): Router {
  const { config, store, faults } = deps;
  const r = Router();
  const info = PROFILE_INFO[config.profile];
  r.get('/capabilities', (req, res) => {
    const uid = req.sealfold.user;
    const [major, minor, micro] = info.serverVersion;
    // E2EE-API-010 (MUST, server): advertise the E2EE API version and whether the user's keys exist.
    const tlog = logCapability(deps);
    const e2ee = {
      enabled: true,
      'api-version': info.apiVersion,
      // E2EE-API-011 (MUST, server): true exactly when both keys are stored.
      'keys-exist':
        faults.on('keys-exist-always-true') ||
        (uid !== null && !!store.get('publicKeys', uid) && !!store.get('privateKeys', uid)),
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
        'end-to-end-encryption': e2ee,
      },
    });
  });
  r.get('/user', (req, res) => {
    const uid = requireUser(req);
    const u = store.get('users', uid)!;
    sendOcs(req, res, {
      id: u.uid,
      'display-name': u.displayName,
      displayname: u.displayName,
      email: u.email,
      enabled: true,
    });
  });
  return r;
}
