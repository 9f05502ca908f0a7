// Runs `intercom-sync` as a user does (`node bin/intercom-sync.js …`) with a test's environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/intercom-sync.js', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  /** What it has printed so far. */
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the CLI and collects its output; for a daemon or anything the test stops itself.
 * @example const cli = spawnCli(['daemon', '--no-schedule'], h.env); … cli.child.kill('SIGTERM'); await cli.exited;
 */
export function spawnCli(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, output, exited };
}

/**
 * Runs the CLI to completion.
 * @example const { code, stdout } = await runCli(['verify', '--json'], h.env);
 */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, env);
  const { code } = await cli.exited;
  return { code, ...cli.output };
}
