/**
 * The express application factory: wires config, store, CA signer, clock and logger into the
 * routers of the route table (`http/routes.ts`). No handler logic lives here.
 *
 * @module
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ServerConfig } from './config.js';
import { MANAGEMENT_PREFIX } from './config.js';
import type { Store } from './store/index.js';
import type { CaSigner } from './ca/signer.js';
import type { Logger } from './log.js';
import { nullLogger, redactPath } from './log.js';
import { systemClock, type Clock, type Deps } from './http/context.js';
import { ocsErrorHandler, requireOcsHeader, CODE_HEADER } from './http/ocs/envelope.js';
import { basicAuth, e2eeClientGate } from './http/auth.js';
import { ROUTES, type Mount } from './http/routes.js';
import { requireManagementToken } from './http/management.js';
import { problem, toProblem } from './problems.js';
import { faultSwitches, type FaultSwitches } from './faults.js';
import { bruteForceGuard } from './http/_brute-force.js';
import { requestHistory } from './http/_request-history.js';
import { createAdversary, type Adversary } from './adversary/index.js';
import type { NoteSigner } from '../../reference/src/log/index.js';
import { ensureLog } from './log-tree/router.js';

/** Largest accepted OCS request body (metadata documents can be large). */
const BODY_LIMIT = '64mb';

export interface AppOptions {
  config: ServerConfig;
  store: Store;
  ca: CaSigner;
  clock?: Clock;
  log?: Logger;
  /** The fault switches to consult; default: new switches set from `config.faults`. */
  faults?: FaultSwitches;
  /** The client attacks; default: a new adversary with none installed. */
  adversary?: Adversary;
  /** Routes to mount instead of {@link ROUTES} (tests). */
  routes?: readonly Mount[];
  /** The transparency log's key when it is not the software one (an HSM key, spec/21 §1). */
  logKey?: NoteSigner;
}

function e2eePrefixes(): { prefix: string; ocs: 1 | 2; api: 1 | 2 }[] {
  const out: { prefix: string; ocs: 1 | 2; api: 1 | 2 }[] = [];
  for (const ocs of [1, 2] as const)
    for (const api of [1, 2] as const)
      out.push({ prefix: `/ocs/v${ocs}.php/apps/end_to_end_encryption/api/v${api}`, ocs, api });
  return out;
}

function join(prefix: string, path: string): string {
  return path === '/' ? prefix || '/' : prefix + path;
}

/** Creates the mock server's express app. */
export function createApp(opts: AppOptions): express.Express {
  const clock = opts.clock ?? systemClock;
  const faults = opts.faults ?? faultSwitches(opts.config.faults);
  const adversary =
    opts.adversary ??
    createAdversary({
      store: opts.store,
      ca: opts.ca,
      clock,
      log: opts.log ?? nullLogger,
      // Called only while answering a request, when deps exists: the log key the routers use.
      logKey: () => ensureLog(deps),
    });
  const deps: Deps = Object.freeze({
    config: opts.config,
    store: opts.store,
    ca: opts.ca,
    clock,
    log: opts.log ?? nullLogger,
    faults,
    attacks: adversary.attacks,
    bruteForce: bruteForceGuard(() => clock.now(), faults),
    requests: requestHistory(),
    lockTtl: { seconds: opts.config.lockTtlSeconds },
    ...(opts.logKey !== undefined ? { logKey: opts.logKey } : {}),
  });
  const { config, log } = deps;
  const routes = opts.routes ?? ROUTES;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    req.sealfold = { user: null, credential: null, ocsVersion: null, apiVersion: null, faults };
    if (config.requestLog || config.management) {
      const start = process.hrtime.bigint();
      res.on('finish', () => {
        const code = res.getHeader(CODE_HEADER);
        // E2EE-SEC-060 (MUST NOT, server): method, path, status, duration and user only, and
        // E2EE-API-404 (MUST, server): a refusal's error code.
        const entry = {
          type: 'request',
          method: req.method,
          path: redactPath(req.originalUrl),
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - start) / 1000n) / 1000,
          user: req.sealfold.user,
          ...(typeof code === 'string' ? { code } : {}),
          ...(faults.on('leak-authorization-in-log')
            ? { authorization: req.get('authorization') ?? null }
            : {}),
        };
        if (config.requestLog) log.write(entry);
        if (config.management) deps.requests.add(entry);
      });
    }
    next();
  });

  // Client attacks rewrite the honest handlers' answers; none is installed unless a test does.
  app.use(adversary.layer);

  // OCS: envelope, CSRF header, bodies, auth.
  const bodies = [
    express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 1000 }),
    express.json({ limit: BODY_LIMIT, strict: true }),
  ];
  for (const v of [1, 2] as const)
    app.use(`/ocs/v${v}.php`, (req: Request, _res: Response, next: NextFunction) => {
      req.sealfold.ocsVersion = v;
      next();
    });
  app.use(
    '/ocs',
    requireOcsHeader(faults),
    ...bodies,
    basicAuth(opts.store, deps.bruteForce, faults),
  );

  const built = new Map<Mount, express.Router>();
  const routerOf = (m: Mount) => {
    let r = built.get(m);
    if (!r) built.set(m, (r = m.router(deps)));
    return r;
  };
  for (const m of routes) {
    if (m.area === 'e2ee') {
      for (const { prefix, api } of e2eePrefixes())
        app.use(
          join(prefix, m.path),
          (req: Request, _res: Response, next: NextFunction) => {
            req.sealfold.apiVersion = api;
            next();
          },
          e2eeClientGate(config.profile, deps.faults),
          routerOf(m),
        );
    } else if (m.area === 'ocs') {
      for (const v of [1, 2]) app.use(join(`/ocs/v${v}.php`, m.path), routerOf(m));
    } else if (m.area === 'management') {
      // E2EE-API-080 (MUST, server): off unless enabled; its paths then answer 404.
      if (config.management)
        app.use(
          join(MANAGEMENT_PREFIX, m.path),
          requireManagementToken(config),
          express.json({ limit: '1mb' }),
          routerOf(m),
        );
    } else {
      app.use(m.path, basicAuth(opts.store, deps.bruteForce, faults), routerOf(m));
    }
  }
  app.use('/ocs', () => {
    throw problem('routeNotFound');
  });
  app.use('/ocs', ocsErrorHandler(config.profile, log, deps.faults));

  // Everything else: plain JSON errors.
  app.use(() => {
    throw problem('notFound');
  });
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const p = toProblem(err, config.profile);
    if (p.status >= 500)
      log.write({ type: 'error', error: (err as Error)?.name ?? 'unknown', code: p.code });
    if (p.status === 401) res.set('WWW-Authenticate', 'Basic realm="Sealfold mock"');
    res
      .status(p.status)
      .set(CODE_HEADER, p.code)
      .json({ error: { code: p.code, message: p.message } });
  });
  return app;
}
