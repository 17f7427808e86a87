/**
 * The property-based model run as server checks (spec/17-conformance.md, "Property-based model
 * run"): one per claimable profile, each drawing from the command families that profile covers,
 * each citing the requirements whose statuses and visible effects the model compares.
 *
 * @module
 */
import type { ServerCheck } from '../check.js';
import { runModelProperty } from './property.js';

/** Locking, transactions, staging and commit/abort: what every run compares. */
const TRANSACTION_REQUIREMENTS = [
  'E2EE-LOCK-001',
  'E2EE-LOCK-002',
  'E2EE-LOCK-003',
  'E2EE-LOCK-010',
  'E2EE-LOCK-011',
  'E2EE-LOCK-012',
  'E2EE-LOCK-020',
  'E2EE-LOCK-021',
  'E2EE-LOCK-022',
  'E2EE-LOCK-023',
  'E2EE-LOCK-030',
  'E2EE-LOCK-031',
  'E2EE-LOCK-040',
  'E2EE-LOCK-041',
  'E2EE-LOCK-043',
  'E2EE-LOCK-044',
  'E2EE-LOCK-045',
  'E2EE-LOCK-046',
  'E2EE-LOCK-047',
  'E2EE-LOCK-050',
  'E2EE-LOCK-051',
  'E2EE-LOCK-052',
  'E2EE-LOCK-053',
  'E2EE-LOCK-054',
  'E2EE-LOCK-055',
  'E2EE-LOCK-071',
  'E2EE-API-091',
  'E2EE-API-120',
  'E2EE-API-122',
  'E2EE-API-123',
  'E2EE-API-124',
  'E2EE-API-125',
  'E2EE-API-126',
  'E2EE-API-806',
  'E2EE-API-807',
  'E2EE-API-222',
  'E2EE-API-231',
  'E2EE-API-234',
] as const;

/** alice's transactions, with bob and carol as outsiders whose every request is refused. */
export const modelTransactionsCheck: ServerCheck = {
  id: 'model/transactions',
  title: 'Random lock, metadata and WebDAV transactions agree with the spec model',
  requirements: TRANSACTION_REQUIREMENTS,
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  run: (ctx) => runModelProperty(ctx, { sharing: false, filedrop: false }),
};

/** Shares created and deleted mid-run; recipients lock, write and read through their mount. */
export const modelSharingCheck: ServerCheck = {
  id: 'model/shared-transactions',
  title: 'Random multi-user transactions on a shared folder agree with the spec model',
  requirements: [
    ...TRANSACTION_REQUIREMENTS,
    'E2EE-API-235',
    'E2EE-API-250',
    'E2EE-API-251',
    'E2EE-API-252',
    'E2EE-API-253',
  ],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-sharing'],
  run: (ctx) =>
    runModelProperty(ctx, { sharing: true, filedrop: ctx.claims.includes('server-filedrop') }),
};

/** Filedrop uploads between transactions (and refused during them). */
export const modelFiledropCheck: ServerCheck = {
  id: 'model/filedrop',
  title: 'Filedrop uploads between random transactions agree with the spec model',
  requirements: [
    ...TRANSACTION_REQUIREMENTS,
    'E2EE-API-140',
    'E2EE-API-141',
    'E2EE-API-143',
    'E2EE-API-144',
  ],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-filedrop'],
  run: (ctx) => runModelProperty(ctx, { sharing: false, filedrop: true }),
};

/** The model checks, in the order the runner lists them. */
export const MODEL_CHECKS: readonly ServerCheck[] = [
  modelTransactionsCheck,
  modelSharingCheck,
  modelFiledropCheck,
];
