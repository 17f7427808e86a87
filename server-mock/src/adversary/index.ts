/**
 * The adversarial server: named, deterministic client attacks (`./catalogue.ts`), installed per
 * test through the management API (`/__sealfold/attacks`), mounted by one response-rewriting
 * layer (`./rewrite.ts`) with forgeries made under the mock's own CA (`./forge.ts`).
 *
 * @module
 */
import type { CaSigner } from '../ca/signer.js';
import type { StoreView } from '../store/index.js';
import type { Logger } from '../log.js';
import type { NoteSigner } from '../../../reference/src/log/index.js';
import { attackSwitches, type AttackSwitches } from './switches.js';
import { forge } from './forge.js';
import { adversaryLayer } from './rewrite.js';

export {
  ATTACKS,
  ATTACK_NAMES,
  isAttackName,
  type AttackInfo,
  type AttackName,
  type AttackRoute,
} from './catalogue.js';
export {
  attackSwitches,
  parseInstall,
  type AttackEvidence,
  type AttackInstall,
  type AttackScope,
  type AttackSwitches,
  type InstalledAttack,
  type ServedAnswer,
} from './switches.js';

/** The attack switches of one server and the layer that carries them out. */
export interface Adversary {
  readonly attacks: AttackSwitches;
  readonly layer: ReturnType<typeof adversaryLayer>;
}

/** An adversary with no attack installed. */
export function createAdversary(deps: {
  store: StoreView;
  ca: CaSigner;
  clock: { now(): number };
  log: Logger;
  /** The transparency log's signing key, null when the log is off (checkpoint attacks). */
  logKey?: () => NoteSigner | null;
}): Adversary {
  const attacks = attackSwitches();
  const layer = adversaryLayer({
    attacks,
    store: deps.store,
    forge: forge(deps.ca, () => new Date(deps.clock.now())),
    log: deps.log,
    ...(deps.logKey ? { logKey: deps.logKey } : {}),
  });
  return { attacks, layer };
}
