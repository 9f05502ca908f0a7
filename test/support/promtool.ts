// Runs Prometheus' own checker (promtool, from Debian's `prometheus` package) on metrics and rules.
// A missing promtool fails the test with how to install it: the checks are part of the test command.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface PromtoolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where promtool is: PROMTOOL, or the Debian package's path, or the first on PATH. */
export function promtoolPath(): string {
  const candidates = [process.env.PROMTOOL, '/usr/bin/promtool'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      'promtool is not installed: run `bash scripts/tools.sh` (or `apt-get install -y prometheus`); npm test installs it',
    );
  return found;
}

/**
 * @example const { code, stdout } = await promtool(['check', 'rules', 'deploy/prometheus/alerts.yml']);
 */
export function promtool(args: readonly string[], stdin?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(promtoolPath(), [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
