// `intercom-sync --help` (through bin/intercom-sync.js, so the entry point itself is run) and an
// unknown command, as a user meets them.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('intercom-sync --help', () => {
  it('lists every command design.md promises', async () => {
    const { code, stdout } = await runCli(['--help'], {}, { viaBin: true });
    expect(code).toBe(0);
    for (const command of ['migrate', 'daemon', 'sync', 'push', 'status', 'verify', 'conflicts', 'failed', 'sandbox']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('an unknown command fails with a message, not a stack', async () => {
    const failure = await runCli(['frobnicate'], {});
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("unknown command 'frobnicate'");
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
