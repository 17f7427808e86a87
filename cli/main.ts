/**
 * `sealfold` command-line entry: finds the command, parses its options with node:util
 * parseArgs, runs it and maps the outcome to an exit code.
 *
 * Exit codes: 0 ok; 1 rejected input or failed check (one `sealfold: CODE: message` line on
 * stderr); 2 usage error.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.js';
import { UsageError, type Command, type CommandIo } from './command.js';
import { SealfoldError } from '../reference/src/errors/index.js';
import { versionInfo, versionText } from './version.js';

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
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(topHelp());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    const json = argv[1] === '--json';
    if (argv.length > (json ? 2 : 1)) {
      io.stderr('sealfold --version: the only option is --json\n');
      return 2;
    }
    io.stdout(json ? JSON.stringify(versionInfo()) + '\n' : versionText());
    return 0;
  }
  const entry = findCommand(argv);
  if (!entry) {
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === argv[0]);
    if (group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      io.stdout(group.map((c) => `  sealfold ${c.name}  ${c.summary}`).join('\n') + '\n');
      return argv.length === 1 ? 2 : 0;
    }
    io.stderr(`sealfold: unknown command '${argv.slice(0, 2).join(' ')}' (see sealfold --help)\n`);
    return 2;
  }
  const { command } = await entry.load();
  const rest = argv.slice(command.name.length);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, ...JSON_OPTION, ...HELP_OPTION },
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
  } catch (e) {
    io.stderr(`sealfold ${command.name.join(' ')}: ${(e as Error).message}\n`);
    return command.usageExitCode ?? 2;
  }
  if (parsed.values.help) {
    io.stdout(commandHelp(command));
    return 0;
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
    const json = parsed.values.json === true;
    if (e instanceof UsageError) {
      io.stderr(`sealfold ${command.name.join(' ')}: ${e.message}\n`);
      return command.usageExitCode ?? 2;
    }
    if (e instanceof SealfoldError) {
      if (json)
        io.stdout(
          JSON.stringify({ ok: false, error: { code: e.code, message: e.message } }) + '\n',
        );
      io.stderr(`sealfold: ${e.code}: ${e.message}\n`);
      return 1;
    }
    // Anything else is a bug in Sealfold, not bad input: say so plainly, without a stack dump
    // that could carry secrets from variables.
    io.stderr(`sealfold: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
}
