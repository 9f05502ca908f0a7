// Runs `intercom-sync sandbox` in a child process for the benchmarks that keep the sandbox's CPU and
// memory out of their own figures (bench/full-sync.ts, bench/outbound.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type { StatsSnapshot as SandboxStats } from '../src/sandbox/stats.js';

export interface SandboxProcess {
  readonly child: ChildProcess;
  /** The base URL from its `listening on` line. */
  readonly url: string;
  /** Everything it has written to stderr so far. */
  stderr(): string;
}

/** Starts the sandbox with these CLI flags; resolves once it listens. It is killed when this process exits. */
export async function startSandboxProcess(flags: readonly string[]): Promise<SandboxProcess> {
  const bin = fileURLToPath(new URL('../bin/intercom-pg-sync.js', import.meta.url));
  // The sandbox holds the whole workspace in memory: never under the heap cap a bench runs the sync with.
  const env = {
    ...process.env,
    NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--max-old-space-size=\S+/g, ''),
  };
  const child = spawn(process.execPath, [bin, 'sandbox', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  process.once('exit', () => child.kill('SIGTERM')); // never leave the sandbox behind
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`sandbox exited (${code}) before listening: ${stderr.trim()}`)),
    );
  });
  return { child, url, stderr: () => stderr };
}
