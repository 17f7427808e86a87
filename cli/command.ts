/**
 * The shape of one CLI command. Commands are small modules loaded on demand by `cli/main.ts`,
 * so that `sealfold --help` does not pay for loading the server or the spec toolchain.
 *
 * @module
 */
import type { ParseArgsConfig } from 'node:util';
import { readBoundedInput, stdinUsedTwice, type InputLimit } from './input.js';

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Working directory that relative paths are resolved against. */
  cwd: string;
  /** True when stderr is a terminal (progress lines may be rewritten in place). */
  stderrIsTty?: boolean;
  /** Environment variables (secrets are read from here by name, never from argv). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Parsed arguments: option values by name, plus positionals. */
export interface CommandArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  /** Words after `sealfold`, e.g. `['key', 'new']`. */
  name: readonly string[];
  summary: string;
  /** Usage line after `sealfold <name>`, e.g. `--user ID --out DIR`. */
  usage: string;
  /** Longer help text: what the command does and each option. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
  /**
   * Exit code for a usage error (bad option or value). Default 2; the `certify` commands use 3,
   * their documented "configuration error" (spec/17-conformance.md §5).
   */
  usageExitCode?: number;
  /**
   * Exit code for a refusal raised before the command's own work (a SealfoldError or an error of
   * the environment). Default 1; the `certify` commands use 3, as for usage errors.
   */
  refusalExitCode?: number;
  /** Returns the exit code: 0 ok, 1 rejected input or failed check. */
  run(args: CommandArgs, io: CommandIo): Promise<number>;
}

/** Thrown for a usage error (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Returns a required string option or throws a UsageError naming it. */
export function requireString(args: CommandArgs, name: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** Returns an optional string option. */
export function optionalString(args: CommandArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Writes `value` as one line of JSON. */
export function printJson(io: CommandIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/**
 * Reads FILE (relative to `cwd`; `-` is standard input), at most what its format allows: see
 * `cli/input.ts`. A missing file is NOT_FOUND, an unreadable one IO_FAILED, a larger one
 * `limit.code`.
 */
export function readInputBytes(
  cwd: string,
  file: string,
  option: string,
  limit: InputLimit,
): Uint8Array {
  return readBoundedInput(cwd, file, option, limit);
}

/** Throws a usage error when more than one of `files` is `-`: standard input is read once. */
export function atMostOneStdin(...files: ReadonlyArray<string | undefined>): void {
  if (stdinUsedTwice(...files)) {
    throw new UsageError('only one input can be standard input (-)');
  }
}

/** Reads FILE as UTF-8 text; see {@link readInputBytes}. */
export function readInputText(
  cwd: string,
  file: string,
  option: string,
  limit: InputLimit,
): string {
  return Buffer.from(readInputBytes(cwd, file, option, limit)).toString('utf8');
}
