/**
 * Starts `sealfold serve` as a child process on a free loopback port (real HTTP, real process,
 * so it can be killed with SIGKILL and restarted on the same data directory).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/sealfold.js', import.meta.url));

export interface ServedServer {
  url: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function usersFile(users: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-users-'));
  const file = join(dir, 'users.json');
  writeFileSync(
    file,
    JSON.stringify({ users: Object.entries(users).map(([uid, password]) => ({ uid, password })) }),
  );
  return file;
}

export async function serve(args: string[]): Promise<ServedServer> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--quiet', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += String(d);
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) {
        child.stdout!.off('data', onData);
        resolve(line.trim());
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`sealfold serve exited with ${code}: ${stderr}`)),
    );
  });
  return {
    url,
    child,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
