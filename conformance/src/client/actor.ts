/**
 * A driver-backed device ({@link ClientActor}): calls validated on the way out, answers
 * interpreted on the way back (UNSUPPORTED, rejections with their spec code or the vendor's
 * errorMap, invalid messages, timeouts), every call noted as evidence without its parameters.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor, ClientActor, RoleKind } from './check.js';
import { CheckFailure, CheckUnsupported, DriverRejected } from './check.js';
import type { DriverConnection } from './driver/connection.js';
import { schemaProblem } from './driver/validate.js';
import { RPC, type DriverMethod, type DriverMethods, type HelloResult } from './protocol.js';

/** A driver broke the protocol (invalid message, dead process): a harness ERROR. */
export class DriverProtocolError extends Error {
  override readonly name = 'DriverProtocolError';
}

/** A driver method ran out of time: TIMEOUT (E2EE-DRV-801). */
export class DriverTimeout extends Error {
  override readonly name = 'DriverTimeout';
}

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The spec code of a rejection: `error.data.e2eeCode`, else the first errorMap entry whose pattern
 * matches the vendor code, vendor message or message (E2EE-DRV-043); undefined when none.
 */
export function e2eeCodeOf(
  error: {
    message: string;
    data?: { e2eeCode?: string; vendorCode?: string; vendorMessage?: string };
  },
  errorMap: HelloResult['errorMap'],
): string | undefined {
  if (error.data?.e2eeCode !== undefined) return error.data.e2eeCode;
  for (const entry of errorMap ?? []) {
    let re: RegExp;
    try {
      re = new RegExp(entry.pattern);
    } catch {
      continue;
    }
    const texts = [error.data?.vendorCode, error.data?.vendorMessage, error.message];
    if (texts.some((t) => t !== undefined && re.test(t))) return entry.e2eeCode;
  }
  return undefined;
}

export interface ActorOptions {
  actor: Actor;
  kind: RoleKind;
  /** `alice#2` for a second device: names the device in evidence. */
  label: string;
  userId: string;
  workDir: string;
  connection: DriverConnection;
  errorMap: HelloResult['errorMap'];
  methodTimeoutMs: number;
  note(line: string): void;
  /** Called with every mnemonic an enrolment returns (the context plants it as a secret). */
  onMnemonic(words: string[]): void;
}

/** A device whose every call goes through `opts.connection`. */
export function driverActor(opts: ActorOptions): ClientActor {
  let files = 0;
  const call = async <M extends DriverMethod>(
    method: M,
    params: DriverMethods[M]['params'],
  ): Promise<DriverMethods[M]['result']> => {
    const sent = schemaProblem(`${method}.params`, params);
    // The harness's own message must be valid too (E2EE-DRV-004): a bug here is ours.
    if (sent !== null) throw new Error(`harness bug: ${method} params ${sent}`);
    const started = performance.now();
    const out = await opts.connection.call(method, params, opts.methodTimeoutMs);
    const ms = Math.round(performance.now() - started);
    const who = `${opts.label} (${opts.kind})`;
    switch (out.kind) {
      case 'result': {
        opts.note(`rpc ${who} ${method}: ok, ${ms} ms`);
        const r = out.result as DriverMethods[M]['result'];
        if (method === 'identity.enroll') {
          const words = (r as DriverMethods['identity.enroll']['result']).mnemonic;
          if (words) opts.onMnemonic(words);
        }
        return r;
      }
      case 'error': {
        const { code, message } = out.error;
        // E2EE-DRV-805 (MUST, suite): UNSUPPORTED and method-not-found are their own result.
        if (code === RPC.unsupported || code === RPC.methodNotFound) {
          opts.note(`rpc ${who} ${method}: UNSUPPORTED, ${ms} ms`);
          throw new CheckUnsupported(`${who}: ${method} is not supported by the driver`);
        }
        const e2eeCode =
          code === RPC.protocolRejected ? e2eeCodeOf(out.error, opts.errorMap) : undefined;
        opts.note(`rpc ${who} ${method}: error ${code}${e2eeCode ? ` ${e2eeCode}` : ''}, ${ms} ms`);
        throw new DriverRejected(
          code,
          `${who}: ${method} refused (${code}${e2eeCode ? ` ${e2eeCode}` : ''}): ${message}`,
          e2eeCode,
          out.error.data?.vendorMessage,
        );
      }
      case 'invalid':
      case 'exited':
        opts.note(`rpc ${who} ${method}: ${out.problem}`);
        throw new DriverProtocolError(`${who}: ${out.problem}`);
      case 'timeout':
        opts.note(`rpc ${who} ${method}: no answer within ${out.afterMs} ms`);
        throw new DriverTimeout(`${who}: ${method} gave no answer within ${out.afterMs} ms`);
    }
  };
  const newFile = (content: Uint8Array) => {
    const path = join(opts.workDir, 'io', `${++files}.bin`);
    mkdirSync(join(opts.workDir, 'io'), { recursive: true });
    writeFileSync(path, content);
    return { path, sha256: sha256Hex(content) };
  };
  return {
    actor: opts.actor,
    kind: opts.kind,
    userId: opts.userId,
    call,
    async upload(folder, name, content) {
      const r = await call('file.upload', { folder, name, source: newFile(content) });
      if (r.plainSha256 !== sha256Hex(content) || r.size !== content.length) {
        throw new CheckFailure(`${opts.label}: file.upload reports another content hash or size`, {
          expected: sha256Hex(content),
          actual: r.plainSha256,
        });
      }
    },
    async download(folder, name) {
      const path = join(opts.workDir, 'io', `${++files}.out`);
      const r = await call('file.download', { folder, name, dest: { path } });
      let content: Uint8Array;
      try {
        content = new Uint8Array(readFileSync(path));
      } catch {
        throw new CheckFailure(`${opts.label}: file.download answered but wrote no file`);
      }
      // E2EE-DRV-026 (MUST, suite): the harness hashes what was written; the answer must agree.
      if (sha256Hex(content) !== r.plainSha256 || content.length !== r.size) {
        throw new CheckFailure(
          `${opts.label}: the downloaded file differs from the hash reported`,
          {
            expected: r.plainSha256,
            actual: sha256Hex(content),
          },
        );
      }
      return content;
    },
    async drop(folder, name, content) {
      return (await call('filedrop.put', { folder, name, source: newFile(content) })).recipients;
    },
    fingerprint: (folder) => call('state.fingerprint', { folder }),
  };
}
