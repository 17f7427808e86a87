/**
 * Where a client reads a log: the server's checkpoint and entry bundles (spec/21 §5) and, for
 * gossip, a witness's latest cosigned checkpoint (§6). Over HTTP with the reference client's
 * transport; tests may substitute any implementation.
 *
 * @module
 */
import type { HttpTransport } from '../http/transport.js';
import type { ClientContext } from '../http/ocs.js';
import { fetchTransport } from '../http/transport.js';
import { fromUtf8 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';

/** The server side of a log. */
export interface LogSource {
  /** The checkpoint note as served (with any cosignatures). */
  checkpoint(): Promise<string>;
  /** Entry bundle `n` with `width` entries (256 for a full bundle), raw bytes. */
  bundle(n: number, width: number): Promise<Uint8Array>;
  /** Hash tile `index` of `level` with `width` hashes, raw bytes (c2sp.org/tlog-tiles). */
  tile?(level: number, index: number, width: number): Promise<Uint8Array>;
}

/** A witness's gossip endpoint. */
export interface WitnessSource {
  /** The witness's latest cosigned checkpoint for `origin`, or null when it has none. */
  latest(origin: string): Promise<string | null>;
}

/** tlog-tiles index path: `x001/x234/067` for 1234067. */
export function tileIndexPath(n: number): string {
  const digits = String(n).padStart(3 * Math.max(1, Math.ceil(String(n).length / 3)), '0');
  const parts = digits.match(/.{3}/g)!;
  return parts.map((p, i) => (i < parts.length - 1 ? `x${p}` : p)).join('/');
}

async function get(transport: HttpTransport, url: string, headers: Record<string, string>) {
  const res = await transport({ method: 'GET', url, headers });
  return res;
}

/** The log of the server of `ctx`, under the capability's `path`. */
export function httpLogSource(ctx: ClientContext, path: string): LogSource {
  const transport = ctx.transport ?? fetchTransport;
  const base = ctx.account.baseUrl + path;
  const auth = {
    Authorization: `Basic ${Buffer.from(`${ctx.account.userId}:${ctx.account.password}`).toString('base64')}`,
  };
  return {
    async checkpoint() {
      const res = await get(transport, `${base}/checkpoint`, auth);
      if (res.status !== 200)
        throw new SealfoldError('LOG_INCONSISTENT', `no checkpoint (HTTP ${res.status})`);
      return fromUtf8(res.body, 'checkpoint', 'LOG_NOTE_MALFORMED');
    },
    async bundle(n, width) {
      const suffix = width === 256 ? '' : `.p/${width}`;
      const res = await get(transport, `${base}/tile/entries/${tileIndexPath(n)}${suffix}`, auth);
      // E2EE-LOG-060: a server that cannot serve the entries up to its checkpoint is not believed.
      if (res.status !== 200)
        throw new SealfoldError(
          'LOG_INCONSISTENT',
          `entry bundle ${n} not served (HTTP ${res.status})`,
        );
      return res.body;
    },
    async tile(level, index, width) {
      const suffix = width === 256 ? '' : `.p/${width}`;
      const res = await get(
        transport,
        `${base}/tile/${level}/${tileIndexPath(index)}${suffix}`,
        auth,
      );
      // E2EE-LOG-121: a tile the checkpoint needs and the server does not serve proves nothing.
      if (res.status !== 200)
        throw new SealfoldError('LOG_PROOF_INVALID', `hash tile not served (HTTP ${res.status})`);
      return res.body;
    },
  };
}

/** A witness reached at `url` (its monitoring prefix). */
export function httpWitnessSource(
  url: string,
  transport: HttpTransport = fetchTransport,
): WitnessSource {
  return {
    async latest(origin) {
      const res = await get(
        transport,
        `${url.replace(/\/$/, '')}/latest?origin=${encodeURIComponent(origin)}`,
        {},
      );
      if (res.status === 404) return null;
      if (res.status !== 200)
        throw new SealfoldError('SERVER_ERROR', `witness answered HTTP ${res.status}`);
      return fromUtf8(res.body, 'witness checkpoint', 'LOG_NOTE_MALFORMED');
    },
  };
}
