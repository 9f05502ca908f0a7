// Starts (or reuses) the project-local Postgres and Redis once per test run, through the same
// script the README uses, and hands their URLs to every test file through the environment.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
  const output = execFileSync('bash', [script, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of output.split('\n')) {
    const match = /^(DATABASE_URL|REDIS_URL)=(.+)$/.exec(line.trim());
    if (match) process.env[match[1]!] = match[2]!;
  }
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    throw new Error(`scripts/services.sh start printed no DATABASE_URL/REDIS_URL:\n${output}`);
  }
}
