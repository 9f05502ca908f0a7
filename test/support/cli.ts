// Runs `intercom-pg-sync` as a user does, with a test's environment: `node bin/intercom-pg-sync.js …`
// (TypeScript through tsx, as in a source checkout), or, when `npm test` has just compiled the
// tree it typechecked (INTERCOM_SYNC_TEST_ENTRY), that compiled entry, as a published package
// runs it: the same code, for about 40 % less start-up CPU per run (no tsx loader thread).
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = resolve(ROOT, 'bin/intercom-pg-sync.js');

function entry(viaBin: boolean): string {
  const compiled = process.env.INTERCOM_SYNC_TEST_ENTRY;
  if (viaBin || !compiled) return BIN;
  const path = resolve(ROOT, compiled);
  if (!existsSync(path)) throw new Error(`INTERCOM_SYNC_TEST_ENTRY names ${path}, which does not exist`);
  return path;
}

export interface CliOptions {
  /** Always start through bin/intercom-pg-sync.js (for the tests of the entry point itself). */
  readonly viaBin?: boolean;
}

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
export function spawnCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: CliOptions = {},
): CliProcess {
  const child = spawn(process.execPath, [entry(options.viaBin ?? false), ...args], {
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
  options: CliOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, env, options);
  const { code } = await cli.exited;
  return { code, ...cli.output };
}
