import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = new URL('../../bin/intercom-pg-sync.js', import.meta.url).pathname;

describe('intercom-pg-sync --help', () => {
  it('names itself like the package and lists every command docs/design.md#cli promises', async () => {
    const { stdout } = await run('node', [bin, '--help']);
    expect(stdout).toMatch(/^Usage: intercom-pg-sync /);
    for (const command of ['migrate', 'daemon', 'sync', 'push', 'status', 'verify', 'conflicts', 'failed', 'sandbox']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const { stdout } = await run('node', [bin, '--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('still answers to its old name', async () => {
    const old = new URL('../../bin/intercom-sync.js', import.meta.url).pathname;
    const failure = await run('node', [old, 'frobnicate']).catch((error: { stderr: string }) => error);
    expect((failure as { stderr: string }).stderr).toMatch(/^Usage: intercom-sync /m);
  });

  it('an unknown command fails with a message, not a stack', async () => {
    const failure = await run('node', [bin, 'frobnicate']).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain("unknown command 'frobnicate'");
    expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });
});
