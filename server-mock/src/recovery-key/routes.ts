/**
 * Publication of the offline administrator recovery key (spec/20-recovery-key.md §3.1): the
 * statement (public key and signed policy) served byte-exact to users, enabled, changed and
 * disabled by the administrator (here: the management interface), each change audited. The
 * server never sees the private key and refuses anything that looks like one (SRV-10).
 *
 * @module
 */
import { Router, type Request } from 'express';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { parseStatement } from '../../../reference/src/recovery-key/index.js';
import type { Deps } from '../http/context.js';
import { requireUser } from '../http/context.js';
import { sendOcs } from '../http/ocs/envelope.js';
import { problem } from '../problems.js';
import * as audit from '../audit.js';
import { MANAGEMENT_ACTOR } from '../http/management.js';
import { containsPrivateKey } from './private-key-scan.js';

/** Store key of the one enabled statement. */
const CURRENT = 'current';
/** Audit object of every recovery-key record. */
const AUDIT_OBJECT = 'recovery-key';

/** The member of the `end-to-end-encryption` capability (E2EE-RKEY-043 keeps others unchanged). */
export function recoveryKeyCapability(): Record<string, unknown> {
  return { 'sealfold-recovery-key': { version: 1 } };
}

/** `GET …/api/v{1,2}/recovery-key` for users (area `e2ee`). */
export function recoveryKeyRouter({ store, faults }: Deps): Router {
  const r = Router();
  r.get('/recovery-key', (req, res) => {
    requireUser(req);
    const rec = store.get('recoveryKey', CURRENT);
    // E2EE-RKEY-040 (MUST, server): 404 when none is enabled.
    if (rec === undefined) throw problem('notFound', 'no recovery key is enabled');
    // E2EE-RKEY-040 (MUST, server): the statement exactly as stored.
    const statement = faults.on('recovery-key-not-byte-exact')
      ? JSON.stringify(JSON.parse(rec.statement), null, 1)
      : rec.statement;
    sendOcs(req, res, { statement });
  });
  return r;
}

function statementOf(req: Request): string {
  const b = req.body as unknown;
  const s = b !== null && typeof b === 'object' ? (b as Record<string, unknown>).statement : null;
  if (typeof s !== 'string' || s === '')
    throw problem('badRequest', 'the body must be {"statement": "<statement text>"}');
  return s;
}

/** `PUT` / `DELETE /__sealfold/recovery-key` for the administrator (area `management`). */
export function recoveryKeyManagementRouter({ store, clock, faults }: Deps): Router {
  const r = Router();
  r.put('/recovery-key', (req, res) => {
    const text = statementOf(req);
    // E2EE-RKEY-041 (MUST, server): nothing that looks like a private key is stored.
    if (!faults.on('recovery-key-accepts-private-key') && containsPrivateKey(text))
      throw problem('badRequest', 'the statement contains private key material; refused');
    let parsed;
    try {
      // E2EE-RKEY-041 (MUST, server): only a statement of the chapter's form.
      parsed = parseStatement(text);
    } catch (e) {
      if (isSealfoldError(e)) throw problem('badRequest', `not a recovery statement: ${e.code}`);
      throw e;
    }
    const fp = parsed.policy.recoveryKeySha256;
    const serial = parsed.policy.serial;
    const action = store.transact((tx) => {
      const before = tx.get('recoveryKey', CURRENT);
      const act = before === undefined ? 'recovery-key.enable' : 'recovery-key.change';
      tx.put('recoveryKey', CURRENT, {
        statement: text,
        recoveryKeySha256: fp,
        serial,
        enabledAt: clock.now(),
      });
      // E2EE-RKEY-042 (MUST, server): audited in the same transaction, fingerprint and serial only.
      audit.append(tx, {
        time: clock.now(),
        actor: MANAGEMENT_ACTOR,
        action: act,
        object: AUDIT_OBJECT,
        details: {
          recoveryKeySha256: fp,
          serial,
          ...(before ? { previousSha256: before.recoveryKeySha256 } : {}),
        },
      });
      return act;
    });
    res.json({ action, recoveryKeySha256: fp, serial });
  });
  r.delete('/recovery-key', (_req, res) => {
    const done = store.transact((tx) => {
      const before = tx.get('recoveryKey', CURRENT);
      if (before === undefined) return false;
      tx.del('recoveryKey', CURRENT);
      // E2EE-RKEY-042 (MUST, server): disabling is audited too.
      audit.append(tx, {
        time: clock.now(),
        actor: MANAGEMENT_ACTOR,
        action: 'recovery-key.disable',
        object: AUDIT_OBJECT,
        details: { recoveryKeySha256: before.recoveryKeySha256, serial: before.serial },
      });
      return true;
    });
    if (!done) throw problem('notFound', 'no recovery key is enabled');
    res.json({ action: 'recovery-key.disable' });
  });
  return r;
}
