// `intercom-pg-sync daemon` fails fast: any start-up error (a malformed setting, a secret file
// that cannot be read, Postgres or Redis unreachable, the port taken) ends the process with
// exit 2 (it could not run: see the README's exit codes) and one sentence naming what is wrong, instead of a process that stays up doing nothing.
// One spawn per class of failure (bounds and the other cases are in test/config/settings.test.ts);
// Redis unreachable is in test/cli/errors.test.ts.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { redisUrl } from '../support/services.js';

const base = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  REDIS_URL: 'redis://127.0.0.1:1',
  INTERCOM_TOKEN: 'token',
  INTERCOM_CLIENT_SECRET: 'secret',
  PORT: '0',
  LOG_LEVEL: 'silent',
};

async function daemon(env: Record<string, string>) {
  const result = await runCli(['daemon', '--host', '127.0.0.1', '--no-schedule'], { ...base, ...env });
  return { code: result.code, lines: result.stderr.trim().split('\n') };
}

describe('the daemon refuses a malformed setting, naming it', () => {
  it('a cron pattern that does not parse (it used to hang)', async () => {
    expect(await daemon({ FULL_SYNC_CRON: 'not a cron' })).toEqual({
      code: 2,
      lines: [
        expect.stringMatching(
          /^intercom-pg-sync: FULL_SYNC_CRON is not a cron pattern \('not a cron': .+\); use minute hour day month weekday, e\.g\. '0 3 \* \* \*'\.$/,
        ),
      ],
    });
  });

  it('an empty number (it once meant port 0, a random port)', async () => {
    expect(await daemon({ PORT: '' })).toEqual({
      code: 2,
      lines: ['intercom-pg-sync: PORT is empty: set a whole number from 0 to 65535, or unset it for 8080.'],
    });
  });

  it('an API URL that would send the token in clear', async () => {
    expect(await daemon({ INTERCOM_BASE_URL: 'http://api.intercom.io' })).toEqual({
      code: 2,
      lines: [
        'intercom-pg-sync: INTERCOM_BASE_URL must start with https:// (plain http:// only to this machine, e.g. the local sandbox), so the access token is never sent in clear.',
      ],
    });
  });

  it('a secret file that cannot be read', async () => {
    expect(
      await daemon({ INTERCOM_CLIENT_SECRET: '', INTERCOM_CLIENT_SECRET_FILE: '/nonexistent/client-secret' }),
    ).toEqual({
      code: 2,
      lines: [
        'intercom-pg-sync: INTERCOM_CLIENT_SECRET_FILE names /nonexistent/client-secret, which cannot be read (ENOENT).',
      ],
    });
  });
});

describe('the daemon exits when what it needs is not there', () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('Postgres unreachable (it used to print ECONNREFUSED and stay up)', async () => {
    const result = await daemon({ REDIS_URL: redisUrl() });
    expect(result).toEqual({
      code: 2,
      lines: [
        'intercom-pg-sync: cannot use Postgres at postgres://nobody@127.0.0.1:1/none: connection refused (is Postgres running there?).',
      ],
    });
  });

  it('PORT already taken', async () => {
    const result = await daemon({ REDIS_URL: redisUrl(), PORT: String(takenPort) });
    expect(result).toEqual({
      code: 2,
      lines: [
        `intercom-pg-sync: cannot listen on 127.0.0.1:${takenPort} (PORT): the address is already in use.`,
      ],
    });
  });
});
