/**
 * The reference driver's transparency-log methods (spec/18-driver-protocol.md §4.1):
 * `log.configure` gives the device a fork witness backed by the server's log (spec/21 §7), with
 * the witnesses and quorum the harness trusts; `log.status` reads the verified checkpoint and the
 * code of the latest refusal from local state. The log's origin and key are pinned at the first
 * contact and re-checked against the capability before every verification (E2EE-LOG-002).
 *
 * @module
 */
import {
  checkLogCapability,
  cosignatureVerifier,
  httpLogSource,
  httpWitnessSource,
  memoryLogTrustStore,
  pinnedLogKey,
  SIG_TYPE_COSIGNATURE_V1,
  transparencyLogWitness,
  type LogCapability,
  type NoteVerifier,
  type PinnedLog,
} from '../../../reference/src/log/index.js';
import type { ForkWitness } from '../../../reference/src/folders/index.js';
import { ocsCall, type ClientContext } from '../../../reference/src/http/index.js';
import { fromBase64 } from '../../../reference/src/bytes/index.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';
import { RPC_CODES, RpcError } from './rpc.js';

/** Parses a witness's cosignature vkey (`name+id+base64(0x04 ‖ key)`, c2sp.org/tlog-cosignature). */
export function parseCosignatureKey(vkey: string): NoteVerifier {
  const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(vkey);
  const raw = m === null ? null : fromBase64(m[3]!, 'witness key', 'LOG_NOTE_MALFORMED');
  if (m === null || raw === null || raw.length !== 33 || raw[0] !== SIG_TYPE_COSIGNATURE_V1)
    throw new RpcError(RPC_CODES.invalidParams, 'verifierKey is no Ed25519 cosignature vkey');
  const v = cosignatureVerifier(m[1]!, raw.subarray(1));
  if (v.keyId !== Number.parseInt(m[2]!, 16))
    throw new RpcError(RPC_CODES.invalidParams, 'verifierKey: the key ID does not match');
  return v;
}

/** What `log.configure` asked for, as given (to recognise a repeated call). */
export interface LogConfig {
  readonly witnesses: ReadonlyArray<{ verifierKey: string; url: string }>;
  readonly quorum: number;
}

/** Validates `log.configure` params. */
export function logConfigOf(p: Record<string, unknown>): LogConfig {
  const list = p.witnesses;
  const quorum = p.quorum;
  if (!Array.isArray(list) || !Number.isSafeInteger(quorum) || (quorum as number) < 0)
    throw new RpcError(RPC_CODES.invalidParams, 'witnesses must be a list and quorum an integer');
  const witnesses = list.map((w: unknown) => {
    const o = w as Record<string, unknown> | null;
    if (typeof o?.verifierKey !== 'string' || typeof o.url !== 'string')
      throw new RpcError(RPC_CODES.invalidParams, 'a witness needs verifierKey and url');
    parseCosignatureKey(o.verifierKey); // refused here, before any state changes
    return { verifierKey: o.verifierKey, url: o.url };
  });
  if ((quorum as number) > witnesses.length)
    throw new RpcError(RPC_CODES.invalidParams, 'quorum exceeds the number of witnesses');
  return { witnesses, quorum: quorum as number };
}

/** The log state of one device: the pin, the verified log, the latest refusal. */
export interface DeviceLog {
  readonly config: LogConfig;
  /** The fork witness every read and write of the device goes through. */
  readonly witness: ForkWitness;
  status(): {
    checkpoint: { origin: string; size: number; root: string } | null;
    lastRefusal: string | null;
  };
  /** The trust state to digest into `trustSha256` (E2EE-DRV-027). */
  trust(): unknown;
}

/** The capability object `transparency-log`, as advertised (undefined when absent). */
async function advertisedLog(ctx: ClientContext): Promise<LogCapability | undefined> {
  const { data } = await ocsCall(ctx, { method: 'GET', path: '/ocs/v2.php/cloud/capabilities' });
  const e2ee = (data as { capabilities?: Record<string, Record<string, unknown>> })?.capabilities?.[
    'end-to-end-encryption'
  ];
  const tl = e2ee?.['transparency-log'];
  return tl !== null && typeof tl === 'object' ? (tl as LogCapability) : undefined;
}

/** A device's log verification under `config` for the account of `ctx`. */
export function deviceLog(ctx: ClientContext, config: LogConfig): DeviceLog {
  const witnesses = config.witnesses.map((w) => ({
    verifier: parseCosignatureKey(w.verifierKey),
    source: httpWitnessSource(w.url, ctx.transport),
  }));
  const store = memoryLogTrustStore();
  let pinned: PinnedLog | undefined;
  let lastRefusal: string | null = null;
  const witness: ForkWitness = {
    async witness(heads, origin, firstSeenKeys) {
      try {
        // E2EE-LOG-002 (MUST, client): pinned at first contact; another log or none is refused.
        const pin = checkLogCapability(pinned, await advertisedLog(ctx));
        if (pin === null) return; // a server that never advertised a log: chapter 21 does not apply
        pinned = pin;
        await transparencyLogWitness({
          source: httpLogSource(ctx, pin.path),
          logKey: pinnedLogKey(pin),
          store,
          witnesses,
          k: config.quorum,
        }).witness(heads, origin, firstSeenKeys);
      } catch (e) {
        // E2EE-DRV-131 (MUST, client): the latest refusal because of the log is reported.
        if (isSealfoldError(e) && (e.code.startsWith('LOG_') || e.code === 'DOWNGRADE'))
          lastRefusal = e.code;
        throw e;
      }
    },
  };
  return {
    config,
    witness,
    status() {
      const t = store.current;
      return {
        checkpoint: t === undefined ? null : { origin: t.origin, size: t.size, root: t.root },
        lastRefusal,
      };
    },
    trust: () => ({ pinned: pinned ?? null, log: store.current ?? null }),
  };
}
