/**
 * What every driver built in TypeScript shares: the JSON-RPC error a method throws, and the
 * newline-delimited JSON-RPC 2.0 loop over stdin/stdout (spec/18-driver-protocol.md §2). The loop
 * logs method names and timings to stderr, never parameters or results (they may carry secrets).
 *
 * @module
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** JSON-RPC error codes of the driver protocol (E2EE-DRV-040). */
export const RPC_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  unsupported: -32010,
  precondition: -32011,
  protocolRejected: -32020,
} as const;

/** A JSON-RPC error answer. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: number;
  readonly data: Record<string, unknown> | undefined;
  constructor(code: number, message: string, data?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** A driver: one async handler per method. Unknown methods are answered -32601. */
export interface DriverHandler {
  handle(method: string, params: unknown): Promise<unknown>;
}

export interface StdioOptions {
  input: Readable;
  output: Writable;
  log: (line: string) => void;
}

function errorObject(e: unknown): { code: number; message: string; data?: unknown } {
  if (e instanceof RpcError) {
    return { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) };
  }
  // Any other exception is the driver's own bug: say so, without its details (they may hold input).
  return { code: RPC_CODES.internalError, message: 'internal driver error' };
}

/**
 * Serves `driver` on newline-delimited JSON-RPC until `driver.shutdown` or the end of input.
 * Requests are answered one at a time, in order (E2EE-DRV-003).
 */
export async function serveStdio(driver: DriverHandler, io: StdioOptions): Promise<void> {
  const lines = createInterface({ input: io.input, crlfDelay: Infinity });
  const send = (msg: unknown) =>
    new Promise<void>((resolve) => {
      if (io.output.write(`${JSON.stringify(msg)}\n`)) resolve();
      else io.output.once('drain', () => resolve());
    });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let req: { id?: unknown; method?: unknown; params?: unknown };
    try {
      req = JSON.parse(line) as typeof req;
    } catch {
      await send({
        jsonrpc: '2.0',
        id: null,
        error: { code: RPC_CODES.parseError, message: 'not JSON' },
      });
      continue;
    }
    const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
    if (typeof req.method !== 'string') {
      await send({
        jsonrpc: '2.0',
        id,
        error: { code: RPC_CODES.invalidRequest, message: 'no method' },
      });
      continue;
    }
    const started = performance.now();
    try {
      const result = await driver.handle(req.method, req.params ?? {});
      await send({ jsonrpc: '2.0', id, result });
      io.log(`${req.method} ok ${Math.round(performance.now() - started)} ms`);
    } catch (e) {
      const error = errorObject(e);
      await send({ jsonrpc: '2.0', id, error });
      io.log(`${req.method} error ${error.code} ${Math.round(performance.now() - started)} ms`);
    }
    if (req.method === 'driver.shutdown') break;
  }
  lines.close();
}
