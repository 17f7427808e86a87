/** Runs the CLI in-process with captured output (what every CLI test needs). */
import { main } from '../main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `sealfold <argv>` with `cwd` as the working directory. */
export async function runCli(argv: string[], cwd: string = process.cwd()): Promise<CliRun> {
  let out = '';
  let err = '';
  const io = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
    cwd,
  };
  const code = await main(argv, io);
  return { code, out, err };
}
