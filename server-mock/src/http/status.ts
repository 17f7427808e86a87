/**
 * `GET /status.php`: the anonymous server status document clients probe before logging in.
 *
 * @module
 */
import { Router } from 'express';
import type { Deps } from './context.js';
import { versionString } from '../profiles.js';

export function statusRouter({ config }: Deps): Router {
  const r = Router();
  r.get('/status.php', (_req, res) => {
    const v = versionString(config.profile);
    res.json({
      installed: true,
      maintenance: false,
      needsDbUpgrade: false,
      version: `${v}.0`,
      versionstring: v,
      edition: '',
      productname: 'Nextcloud',
      extendedSupport: false,
    });
  });
  return r;
}
