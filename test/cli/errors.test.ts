// How a command fails: a ServiceError (the service's own errors) is one sentence to act on and
// exit 2 (could not run), with the stack only under --verbose; settings are read once, only by a command that
// needs them, so a bad one never hides `--help`.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const unreachable = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };

describe('a command that fails with a ServiceError', () => {
  it('prints its one sentence, nothing else, and exits 2', async () => {
    const result = await runCli(['failed', 'list'], unreachable);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^intercom-pg-sync: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .+\.$/),
    ]);
    expect(result.stdout).toBe('');
  }, 60_000);

  it('adds the stack trace with --verbose', async () => {
    const result = await runCli(['--verbose', 'failed', 'list'], unreachable);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^intercom-pg-sync: cannot reach Redis at /);
    expect(result.stderr).toMatch(/RedisUnavailableError: cannot reach Redis[^\n]*\n\s+at /);
  }, 60_000);
});

describe('settings', () => {
  it('a malformed one is named by a command that runs, and does not stop --help', async () => {
    const status = await runCli(['status'], { ...unreachable, PORT: 'eighty' });
    expect(status.code).toBe(2);
    expect(status.stderr.trim()).toBe('intercom-pg-sync: PORT must be a number.');
    const help = await runCli(['status', '--help'], { ...unreachable, PORT: 'eighty' });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/runs, watermarks, queues/);
  }, 60_000);
});
