/**
 * Fault injection for a property-based client run (conformance-design §3.6): at a generated step,
 * one attack of the mock's catalogue is mounted on a folder the victim has already synced, and the
 * victim must refuse it exactly as an adversarial check demands (`./attack.ts`: expected code,
 * refused retry, unchanged fingerprint and server state, evidence that it applied). The attacks
 * here apply to any synced folder in any state of an honest run, so a seeded run can pick one
 * at any step and replay it.
 *
 * @module
 */
import type { AttackName } from '../../../../server-mock/src/adversary/catalogue.js';
import type { ClientActor, ClientCheckContext } from '../check.js';
import { mount } from './attack.js';

/** Attacks that apply to every folder the victim has synced (no history or sharing needed). */
export const INJECTABLE_ATTACKS: readonly AttackName[] = [
  'strip-signature',
  'flip-signature-byte',
  'flip-metadata-byte',
  'inject-member',
  'replace-users',
  'zero-wrapped-key',
  'repeated-byte-wrapped-key',
  'resign-as-minted-member',
  'v1-document',
  'delete-metadata',
];

/** The attack number `pick` selects (taken modulo the list, so any generated integer is valid). */
export function injectableAttack(pick: number): AttackName {
  return INJECTABLE_ATTACKS[Math.abs(Math.trunc(pick)) % INJECTABLE_ATTACKS.length]!;
}

/**
 * Mounts attack number `pick` (taken modulo the list, so any generated integer is valid) against
 * `victim`'s `sync.refresh` of `folder`, which the victim must have synced before.
 * @returns the attack that was mounted (for the run's replay description).
 */
export async function injectFault(
  ctx: ClientCheckContext,
  victim: ClientActor,
  folder: string,
  pick: number,
): Promise<AttackName> {
  const attack = injectableAttack(pick);
  await mount(ctx, { attack, victim, folder, act: () => victim.call('sync.refresh', { folder }) });
  return attack;
}
