/**
 * One driver instance as the harness talks to it: a child process speaking newline-delimited
 * JSON-RPC on stdin/stdout (spec/18-driver-protocol.md §2, §7), or the reference driver in
 * process behind the same interface. Every request and answer is schema-validated; answers are
 * matched by id; each call has a time budget.
 *
 * @module
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DriverHandler } from '../../../drivers/reference/rpc.js';
import { RpcError } from '../../../drivers/reference/rpc.js';
import type { DriverMethod, RpcErrorObject } from '../protocol.js';
import { schemaProblem } from './validate.js';

/** What a call came to, before any interpretation by a check. */
export type CallOutcome =
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; error: RpcErrorObject }
  /** The driver's message broke the protocol (harness ERROR, E2EE-DRV-004). */
  | { kind: 'invalid'; problem: string }
  | { kind: 'timeout'; afterMs: number }
  /** The process ended or its pipe closed before answering. */
  | { kind: 'exited'; problem: string };

export interface DriverConnection {
  call(method: DriverMethod | string, params: unknown, timeoutMs: number): Promise<CallOutcome>;
  /** Stops the driver (driver.shutdown, then SIGKILL after the grace time). Idempotent. */
  close(): Promise<void>;
  /** What the driver wrote to stderr so far (evidence; bounded). */
  stderr(): string;
  /** True once the process is gone. */
  readonly dead: boolean;
}

/** stderr kept per driver process; longer output keeps its end. */
const STDERR_LIMIT = 64 * 1024;
/** Longest line accepted from a driver (E2EE-DRV-005): larger content goes by path. */
export const MAX_LINE = 4 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 2_000;

/** Checks an answer line for request `id` of `method`; returns the outcome. */
export function interpretAnswer(method: string, msg: unknown): CallOutcome {
  const envelope = schemaProblem('response', msg);
  if (envelope !== null) return { kind: 'invalid', problem: `${method}: response ${envelope}` };
  const m = msg as { result?: unknown; error?: unknown };
  if ('error' in m && m.error !== undefined) {
    const p = schemaProblem('error', m.error);
    if (p !== null) return { kind: 'invalid', problem: `${method}: error object ${p}` };
    return { kind: 'error', error: m.error as RpcErrorObject };
  }
  const known = schemaProblem('request', { jsonrpc: '2.0', id: 1, method, params: {} }) === null;
  if (known) {
    const p = schemaProblem(`${method as DriverMethod}.result`, m.result);
    // E2EE-DRV-004 (MUST, suite): an invalid driver message is a harness ERROR naming the field.
    if (p !== null) return { kind: 'invalid', problem: `${method}: result ${p}` };
  }
  return { kind: 'result', result: m.result };
}

/**
 * Starts `command` through the shell (a vendor's command line, e.g. `npx my-driver`), with a
 * scrubbed environment: no secrets ever go on its command line (E2EE-DRV-014).
 */
export function spawnDriver(
  command: string,
  opts: { cwd: string; env: Record<string, string | undefined> },
): DriverConnection {
  const child: ChildProcessWithoutNullStreams = spawn(command, {
    shell: true,
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  let dead = false;
  let exitProblem = 'the driver process exited';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_LIMIT);
  });
  child.stdin.on('error', () => undefined);
  const waiting = new Map<number, (o: CallOutcome) => void>();
  const methods = new Map<number, string>();
  const failAll = (problem: string) => {
    for (const [id, resolve] of waiting) {
      waiting.delete(id);
      resolve({ kind: 'exited', problem: `${methods.get(id)}: ${problem}` });
    }
  };
  child.on('exit', (code, signal) => {
    dead = true;
    exitProblem = `the driver process exited (${signal ?? `code ${code}`}) before answering`;
    failAll(exitProblem);
  });
  child.on('error', (e) => {
    dead = true;
    exitProblem = `the driver could not be started: ${e.message}`;
    failAll(exitProblem);
  });
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  let protocolBroken: string | undefined;
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let msg: unknown;
    if (line.length > MAX_LINE) {
      protocolBroken = `a line of ${line.length} characters (limit ${MAX_LINE})`;
    } else {
      try {
        msg = JSON.parse(line) as unknown;
      } catch {
        // E2EE-DRV-005 (MUST, suite): stdout carries JSON-RPC only; anything else is an ERROR.
        protocolBroken = `stdout line is not JSON: ${JSON.stringify(line.slice(0, 80))}`;
      }
    }
    if (protocolBroken !== undefined) {
      for (const [id, resolve] of waiting) {
        waiting.delete(id);
        resolve({ kind: 'invalid', problem: `${methods.get(id)}: ${protocolBroken}` });
      }
      return;
    }
    const id = (msg as { id?: unknown } | null)?.id;
    const resolve = typeof id === 'number' ? waiting.get(id) : undefined;
    if (!resolve || typeof id !== 'number') {
      protocolBroken = `an answer with id ${JSON.stringify(id)} that no request is waiting for`;
      return;
    }
    waiting.delete(id);
    let outcome: CallOutcome;
    try {
      outcome = interpretAnswer(methods.get(id)!, msg);
    } catch (e) {
      // A schema that does not compile is the harness's bug; the call still ends, as ERROR.
      outcome = { kind: 'invalid', problem: `harness: ${(e as Error).message}` };
    }
    resolve(outcome);
  });

  let nextId = 1;
  const kill = () => {
    if (dead || child.pid === undefined) return;
    try {
      // The whole process group: a shell command line may have started the driver as a child.
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const connection: DriverConnection = {
    get dead() {
      return dead;
    },
    stderr: () => stderr,
    call(method, params, timeoutMs) {
      if (dead) return Promise.resolve({ kind: 'exited', problem: `${method}: ${exitProblem}` });
      if (protocolBroken !== undefined) {
        return Promise.resolve({ kind: 'invalid', problem: `${method}: ${protocolBroken}` });
      }
      const id = nextId++;
      methods.set(id, method);
      return new Promise<CallOutcome>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          // E2EE-DRV-800, E2EE-DRV-802 (MUST, suite): every call has a budget; out of time, the
          // process is killed.
          kill();
          resolve({ kind: 'timeout', afterMs: timeoutMs });
        }, timeoutMs);
        waiting.set(id, (o) => {
          clearTimeout(timer);
          resolve(o);
        });
        child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      });
    },
    async close() {
      if (dead) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      if (protocolBroken === undefined) {
        void connection.call('driver.shutdown', {}, SHUTDOWN_GRACE_MS);
        child.stdin.end();
      }
      const timer = setTimeout(kill, SHUTDOWN_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  return connection;
}

/**
 * The reference driver (or any in-process handler) behind the connection interface; requests and
 * answers go through a JSON round trip and the same validation as a process's.
 */
export function inProcessDriver(handler: DriverHandler): DriverConnection {
  let closed = false;
  return {
    get dead() {
      return closed;
    },
    stderr: () => '',
    async call(method, params, timeoutMs) {
      if (closed) return { kind: 'exited', problem: `${method}: the driver was closed` };
      const request = JSON.parse(JSON.stringify(params)) as unknown;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<CallOutcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timeout', afterMs: timeoutMs }), timeoutMs);
      });
      const answer = handler.handle(method, request).then(
        (result) => ({
          jsonrpc: '2.0',
          id: 1,
          result: JSON.parse(JSON.stringify(result)) as unknown,
        }),
        (e: unknown) => {
          if (e instanceof RpcError) {
            return {
              jsonrpc: '2.0',
              id: 1,
              error: { code: e.code, message: e.message, ...(e.data ? { data: e.data } : {}) },
            };
          }
          return {
            jsonrpc: '2.0',
            id: 1,
            error: { code: -32603, message: 'internal driver error' },
          };
        },
      );
      try {
        return await Promise.race([answer.then((a) => interpretAnswer(method, a)), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
    },
  };
}
