/**
 * `sealfold` command-line entry: finds the command, parses its options with node:util
 * parseArgs, runs it and maps the outcome to an exit code.
 *
 * Exit codes, one rule for every command (the certify commands map usage and refused input to
 * their documented 3): 0 ok; 1 refused input, a failed check or an error of the environment (one
 * `sealfold: CODE: message` line on stderr, CODE from the closed list); 2 usage error (on stderr).
 * With `--json`, every failure also prints one JSON object on stdout.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.js';
import { UsageError, type Command, type CommandIo } from './command.js';
import { SealfoldError } from '../reference/src/errors/index.js';
import { versionInfo, versionText } from './version.js';
import { environmentError, environmentSubject } from './input.js';

/** Exit code of a refusal: bad input, a failed check, an error of the environment. */
const EXIT_REFUSED = 1;
/** Exit code of a usage error: unknown command or option, missing or repeated option. */
const EXIT_USAGE = 2;

const JSON_OPTION = { json: { type: 'boolean' as const } };
const HELP_OPTION = { help: { type: 'boolean' as const, short: 'h' } };

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: sealfold <command> [options]',
    '',
    'Sealfold: verified reference and interop test suite for Nextcloud-compatible end-to-end',
    'encrypted folders.',
    '',
    'commands:',
    ...lines,
    '',
    'Every command takes --help. Exit codes: 0 ok, 1 rejected input or failed check, 2 usage error',
    '(the certify commands have their own: 0 conformant, 1 failures, 2 harness errors, 3 configuration).',
    '`sealfold --version [--json]` prints the package, spec and test-vector versions.',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `usage: sealfold ${c.name.join(' ')} ${c.usage}\n\n${c.summary}\n\n${c.help.trimEnd()}\n`;
}

/** Finds the longest command name that prefixes argv. */
function findCommand(argv: string[]) {
  let best: (typeof COMMANDS)[number] | undefined;
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) {
      if (!best || words.length > best.name.split(' ').length) best = c;
    }
  }
  return best;
}

/** The option names given more than once that take one value (`multiple` ones may repeat). */
function repeatedOptions(
  tokens: ReadonlyArray<{ kind: string; name?: string }>,
  options: Command['options'],
): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    if (seen.has(t.name) && options[t.name]?.multiple !== true) repeated.add(t.name);
    seen.add(t.name);
  }
  return [...repeated];
}

/** True when `--json` is among the options (before a `--`), even if parsing them failed. */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/**
 * Reports a failure the one way every command does: one line on stderr and, with `--json`, one
 * JSON object `{ok: false, exitCode, error: {code?, message}}` on stdout. `code` is from the
 * closed list of spec/01-errors.md; a usage error has none.
 */
function fail(
  io: CommandIo,
  json: boolean,
  exitCode: number,
  line: string,
  error: { code?: string; message: string },
): number {
  if (json) io.stdout(JSON.stringify({ ok: false, exitCode, error }) + '\n');
  io.stderr(line + '\n');
  return exitCode;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  io: CommandIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
  },
): Promise<number> {
  const json = wantsJson(argv);
  const usage = (prefix: string, message: string, exitCode = EXIT_USAGE) =>
    fail(io, json, exitCode, `${prefix}: ${message}`, { message });
  if (argv.length === 0) {
    // Nothing asked: the help is the answer, but on stderr, as for every usage error.
    io.stderr(topHelp());
    return usage('sealfold', 'no command given (see sealfold --help)');
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(topHelp());
    return 0;
  }
  if (argv[0] === '--version') {
    if (argv.length > (argv[1] === '--json' ? 2 : 1)) {
      return usage('sealfold --version', 'the only option is --json');
    }
    io.stdout(argv[1] === '--json' ? JSON.stringify(versionInfo()) + '\n' : versionText());
    return 0;
  }
  const entry = findCommand(argv);
  if (!entry) {
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === argv[0]);
    const list = group.map((c) => `  sealfold ${c.name}  ${c.summary}`).join('\n') + '\n';
    if (group.length > 0 && (argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout(list);
      return 0;
    }
    if (group.length > 0 && argv.length === 1) {
      io.stderr(list);
      return usage(`sealfold ${argv[0]}`, 'which one? (see the list above)');
    }
    return usage(
      'sealfold',
      `unknown command '${argv.slice(0, 2).join(' ')}' (see sealfold --help)`,
    );
  }
  const { command } = await entry.load();
  const rest = argv.slice(command.name.length);
  const prefix = `sealfold ${command.name.join(' ')}`;
  const usageExit = command.usageExitCode ?? EXIT_USAGE;
  const options = { ...command.options, ...JSON_OPTION, ...HELP_OPTION };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    return usage(prefix, (e as Error).message, usageExit);
  }
  if (parsed.values.help) {
    io.stdout(commandHelp(command));
    return 0;
  }
  // A repeated option would otherwise silently take its last value.
  const repeated = repeatedOptions(parsed.tokens, options);
  if (repeated.length > 0) {
    return usage(
      prefix,
      `${repeated.map((n) => `--${n}`).join(', ')} given more than once`,
      usageExit,
    );
  }
  try {
    return await command.run(
      {
        values: parsed.values as Record<string, string | boolean | string[] | undefined>,
        positionals: parsed.positionals,
      },
      io,
    );
  } catch (e) {
    if (e instanceof UsageError) return usage(prefix, e.message, usageExit);
    // Errors of the environment (a missing input, an unwritable output, a port in use, an
    // unknown host) are refusals with a code of the closed list, like bad input.
    const typedError = e instanceof SealfoldError ? e : environmentError(e, environmentSubject(e));
    if (typedError !== undefined) {
      const { code, message } = typedError;
      const exitCode = command.refusalExitCode ?? EXIT_REFUSED;
      return fail(io, json, exitCode, `sealfold: ${code}: ${message}`, { code, message });
    }
    // Anything else is a bug in Sealfold, not bad input: say so plainly, without a stack dump
    // that could carry secrets from variables.
    const message = `internal error: ${(e as Error)?.message ?? String(e)}`;
    return fail(io, json, EXIT_REFUSED, `sealfold: ${message}`, { message });
  }
}
