// `npm run demo`, the README's first command, run once as a user runs it (small sandbox): every
// step it promises is shown and it ends with verify clean and exit 0, having stopped what it started.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseUrl, redisUrl } from '../support/services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let demoDatabase: string | undefined;

afterAll(async () => {
  if (!demoDatabase) return;
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  await admin.query(`drop database if exists "${demoDatabase}" with (force)`).finally(() => admin.end());
});

function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    // Its own process group, so a demo cut off by the timeout takes its sandbox and daemon along.
    const child = spawn('bash', ['scripts/demo.sh'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 280_000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('npm run demo', () => {
  it('shows the sync, a webhook, pushes and a conflict, and ends with verify clean', async () => {
    const compiled = process.env.INTERCOM_SYNC_TEST_ENTRY;
    const { code, output } = await runDemo({
      DATABASE_URL: databaseUrl(),
      REDIS_URL: redisUrl(),
      DEMO_CONTACTS: '40',
      DEMO_COMPANIES: '5',
      DEMO_LATENCY_MS: '0',
      ...(compiled && { DEMO_CLI_ENTRY: resolve(ROOT, compiled) }),
    });
    demoDatabase = /DATABASE_URL=\S+\/(intercom_sync_demo_\w+)/.exec(output)?.[1];
    expect(code, output).toBe(0);
    const steps = [
      /^full sync run \d+: succeeded/m,
      /^  in Postgres \d+ ms after the edit in Intercom:$/m,
      /^  in Intercom \d+ ms later: name 'Grace Hopper \(edited in Postgres\)', plan_tier 'gold'$/m,
      /^  created in Intercom \d+ ms later as \w+/m,
      /^  in Intercom \d+ ms later: the contact has 1 note\(s\), 0 before$/m,
      /^  settled by newest-wins: remote value kept \(conflict #\d+\)/m,
      /^  Postgres 'Set in Intercom', Intercom 'Set in Intercom'$/m,
      /^outbox: 0 waiting, 0 failed; conflicts: 0 open$/m,
      /^verify: clean — Postgres matches Intercom/m,
      /daemon │ .*INFO: stopped$/m,
      /^demo finished: Postgres and Intercom agree$/m,
    ];
    let from = 0;
    for (const step of steps) {
      const at = output.slice(from).search(step);
      expect(at, `${step} after what came before, in:\n${output}`).toBeGreaterThanOrEqual(0);
      from += at;
    }
  }, 300_000);
});
