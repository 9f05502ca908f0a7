// `intercom-pg-sync --help` (through bin/intercom-pg-sync.js, so the entry point itself is run), its
// old name, --version and an unknown command, as a user meets them.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('intercom-pg-sync --help', () => {
  it('names itself like the package and lists every command docs/design.md#cli promises', async () => {
    const { code, stdout } = await runCli(['--help'], {}, { viaBin: true });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: intercom-pg-sync /);
    for (const command of ['migrate', 'daemon', 'sync', 'push', 'status', 'verify', 'conflicts', 'failed', 'sandbox']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const { stdout } = await runCli(['--version'], {});
    expect(stdout.trim()).toBe(version);
  });

  it('still answers to its old name', async () => {
    const { spawnSync } = await import('node:child_process');
    const old = new URL('../../bin/intercom-sync.js', import.meta.url).pathname;
    const failure = spawnSync(process.execPath, [old, 'frobnicate'], { encoding: 'utf8' });
    expect(failure.status).toBe(2);
    expect(failure.stderr).toMatch(/^Usage: intercom-sync /m);
  });

  it('an unknown command fails with a message, not a stack', async () => {
    const failure = await runCli(['frobnicate'], {});
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain("unknown command 'frobnicate'");
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
