import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = new URL('../../bin/intercom-sync.js', import.meta.url).pathname;

describe('intercom-sync --help', () => {
  it('lists every command design.md promises', async () => {
    const { stdout } = await run('node', [bin, '--help']);
    for (const command of ['migrate', 'daemon', 'sync', 'push', 'status', 'verify', 'conflicts', 'failed', 'sandbox']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('an unknown command fails with a message, not a stack', async () => {
    const failure = await run('node', [bin, 'frobnicate']).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain("unknown command 'frobnicate'");
    expect((failure as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  });
});
