// The processes the demo starts, as a user would: `intercom-pg-sync <command>` runs to its end with
// the terminal as its output; the sandbox and the daemon run in the background, their lines shown
// indented under a label, until the demo stops them (and checks they stopped cleanly).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DemoError } from './until.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The CLI entry the demo runs: the checkout's bin, or (DEMO_CLI_ENTRY) a compiled one. */
export function cliEntry(env: NodeJS.ProcessEnv): string {
  return env.DEMO_CLI_ENTRY ?? `${ROOT}bin/intercom-pg-sync.js`;
}

export interface Cli {
  /** Runs a command to its end, output on the terminal; fails the demo unless it exits 0. */
  run(args: readonly string[]): Promise<void>;
  /** Starts a command that runs until stopped; resolves once a line matches `ready`. */
  start(label: string, args: readonly string[], ready: RegExp): Promise<Background>;
}

export interface Background {
  /** The first match of `ready` (e.g. the URL it listens on). */
  readonly match: RegExpMatchArray;
  /** SIGTERM, then waits for the exit; fails the demo on a non-zero status. */
  stop(): Promise<void>;
  /** Kills it without waiting (on the way out of a failed demo). */
  kill(): void;
}

/** @example const cli = demoCli(env); await cli.run(['migrate']); */
export function demoCli(env: NodeJS.ProcessEnv): Cli {
  const entry = cliEntry(env);
  const name = (args: readonly string[]) => `intercom-pg-sync ${args.join(' ')}`;
  return {
    async run(args) {
      const child = spawn(process.execPath, [entry, ...args], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const { code, signal } = await exited(child);
      if (code !== 0) throw new DemoError(`\`${name(args)}\` exited with ${code ?? signal}`);
    },
    async start(label, args, ready) {
      const child = spawn(process.execPath, [entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exit = exited(child);
      const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
        for (const stream of [child.stdout!, child.stderr!]) {
          createInterface({ input: stream }).on('line', (line) => {
            console.log(`  ${label} │ ${line}`);
            const found = line.match(ready);
            if (found) resolve(found);
          });
        }
        void exit.then(({ code, signal }) =>
          reject(new DemoError(`\`${name(args)}\` exited with ${code ?? signal} before it was ready`)),
        );
      });
      return {
        match,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const { code, signal } = await exit;
          if (code !== 0) throw new DemoError(`\`${name(args)}\` stopped with ${code ?? signal}`);
        },
        kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
      };
    },
  };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}
