// Every setting is checked when the config is parsed, so a wrong one fails start-up with one
// sentence naming it: numbers within bounds (an empty one is not 0), cron patterns that parse,
// the API over https unless it is this machine, credentials without stray whitespace, and
// secrets read from the files `*_FILE` names.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, SETTING_DEFAULTS, SETTING_NAMES } from '../../src/config/config.js';

const refusal = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('numbers', () => {
  it('are refused outside their bounds, empty or not whole, each naming the setting', () => {
    expect(refusal({ PORT: '70000' })).toBe('PORT must be at most 65535.');
    expect(refusal({ PORT: '-1' })).toBe('PORT must be at least 0.');
    expect(refusal({ PORT: '' })).toBe(
      'PORT is empty: set a whole number from 0 to 65535, or unset it for 8080.',
    );
    expect(refusal({ PORT: '0x50' })).toBe('PORT must be a number.');
    expect(refusal({ PUSH_CONCURRENCY: '2.5' })).toBe('PUSH_CONCURRENCY must be a whole number.');
    expect(refusal({ PUSH_CONCURRENCY: '100000' })).toBe('PUSH_CONCURRENCY must be at most 1024.');
    expect(refusal({ INCREMENTAL_EVERY_MINUTES: '0' })).toBe('INCREMENTAL_EVERY_MINUTES must be at least 1.');
    expect(refusal({ RATE_RESERVE_OUTBOUND: '' })).toBe(
      'RATE_RESERVE_OUTBOUND must be a number from 0 to 0.9.',
    );
    expect(refusal({ SHUTDOWN_DRAIN_MS: '86400000' })).toBe('SHUTDOWN_DRAIN_MS must be at most 600000.');
    expect(parseConfig({ PORT: ' 9090 ', RATE_RESERVE_OUTBOUND: '0.5' })).toMatchObject({
      PORT: 9090,
      RATE_RESERVE_OUTBOUND: 0.5,
    });
  });

  it('that depend on each other are checked together', () => {
    expect(
      refusal({ HTTP_SERVER_HEADERS_TIMEOUT_MS: '20000', HTTP_SERVER_REQUEST_TIMEOUT_MS: '10000' }),
    ).toBe('HTTP_SERVER_HEADERS_TIMEOUT_MS (20000) must not exceed HTTP_SERVER_REQUEST_TIMEOUT_MS (10000).');
    expect(refusal({ PORT: '9000', METRICS_PORT: '9000' })).toBe(
      'METRICS_PORT must differ from PORT (both 9000).',
    );
  });
});

describe('FULL_SYNC_CRON', () => {
  it('is parsed by the parser BullMQ schedules with, so a bad pattern fails now, not at the first schedule', () => {
    expect(refusal({ FULL_SYNC_CRON: '61 3 * * *' })).toMatch(
      /^FULL_SYNC_CRON is not a cron pattern \('61 3 \* \* \*': .*0-59.*\); use minute hour day month weekday, e\.g\. '0 3 \* \* \*'\.$/,
    );
    expect(refusal({ FULL_SYNC_CRON: ' ' })).toMatch(/^FULL_SYNC_CRON is not a cron pattern \(' ': empty\)/);
    expect(parseConfig({ FULL_SYNC_CRON: '30 2 * * 1-5' }).FULL_SYNC_CRON).toBe('30 2 * * 1-5');
  });
});

describe('INTERCOM_BASE_URL', () => {
  it('must be https, except to a loopback host (the local sandbox)', () => {
    const insecure =
      'INTERCOM_BASE_URL must start with https:// (plain http:// only to this machine, e.g. the local sandbox), so the access token is never sent in clear.';
    expect(refusal({ INTERCOM_BASE_URL: 'http://api.intercom.io' })).toBe(insecure);
    expect(refusal({ INTERCOM_BASE_URL: 'http://10.0.0.5:8081' })).toBe(insecure);
    expect(refusal({ INTERCOM_BASE_URL: 'ftp://127.0.0.1' })).toBe(insecure);
    expect(refusal({ INTERCOM_BASE_URL: 'api.intercom.io' })).toBe(
      "INTERCOM_BASE_URL must be a URL starting with https://, not 'api.intercom.io'.",
    );
    for (const ok of [
      'https://api.eu.intercom.io',
      'http://127.0.0.1:8081',
      'http://localhost:3000',
      'http://[::1]:9',
    ]) {
      expect(parseConfig({ INTERCOM_BASE_URL: ok }).INTERCOM_BASE_URL).toBe(ok);
    }
  });
});

describe('credentials', () => {
  it('are refused blank or with surrounding whitespace; empty means not set', () => {
    expect(refusal({ INTERCOM_CLIENT_SECRET: '   ' })).toBe('INTERCOM_CLIENT_SECRET is blank.');
    expect(refusal({ INTERCOM_TOKEN: 'tok_abc\n' })).toBe(
      'INTERCOM_TOKEN starts or ends with whitespace (a stray space or newline?).',
    );
    expect(refusal({ DASHBOARD_PASSWORD: 'short' })).toBe(
      'DASHBOARD_PASSWORD must be at least 8 characters long.',
    );
    expect(refusal({ DASHBOARD_USER: 'a:b' })).toBe(
      'DASHBOARD_USER must not contain a colon (basic auth splits on it).',
    );
    expect(parseConfig({ INTERCOM_CLIENT_SECRET: '', DASHBOARD_PASSWORD: '' })).toMatchObject({
      INTERCOM_CLIENT_SECRET: undefined,
      DASHBOARD_PASSWORD: undefined,
    });
  });
});

describe('*_FILE secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icps-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('read the secret from the file, without the trailing newline a secret store leaves', () => {
    const config = parseConfig({
      INTERCOM_TOKEN_FILE: file('token', 'tok_from_file\n'),
      INTERCOM_CLIENT_SECRET_FILE: file('secret', 'whsec_from_file'),
      DATABASE_URL_FILE: file('db', 'postgres://app:p%40ss@db.internal:5432/app\r\n'),
      DASHBOARD_PASSWORD_FILE: file('dashboard', 'correct horse battery\n'),
    });
    expect(config).toMatchObject({
      INTERCOM_TOKEN: 'tok_from_file',
      INTERCOM_CLIENT_SECRET: 'whsec_from_file',
      DATABASE_URL: 'postgres://app:p%40ss@db.internal:5432/app',
      DASHBOARD_PASSWORD: 'correct horse battery',
    });
    expect(config).not.toHaveProperty('INTERCOM_TOKEN_FILE');
  });

  it('refuse a missing or empty file, a file whose content is not valid, and both forms at once', () => {
    expect(refusal({ INTERCOM_TOKEN_FILE: join(dir, 'missing') })).toBe(
      `INTERCOM_TOKEN_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT).`,
    );
    const empty = file('empty', '\n');
    expect(refusal({ METRICS_TOKEN_FILE: empty })).toBe(`METRICS_TOKEN_FILE names ${empty}, which is empty.`);
    expect(refusal({ REDIS_URL_FILE: file('redis', 'localhost:6379\n') })).toBe(
      'REDIS_URL must be a URL starting with redis:// or rediss://.',
    );
    expect(refusal({ INTERCOM_TOKEN: 'a', INTERCOM_TOKEN_FILE: file('t2', 'b') })).toBe(
      'set INTERCOM_TOKEN or INTERCOM_TOKEN_FILE, not both.',
    );
  });

  it('are settings the manifests may name', () => {
    for (const name of [
      'DATABASE_URL_FILE',
      'REDIS_URL_FILE',
      'INTERCOM_TOKEN_FILE',
      'DASHBOARD_PASSWORD_FILE',
    ])
      expect(SETTING_NAMES).toContain(name);
    expect(SETTING_DEFAULTS).not.toHaveProperty('INTERCOM_TOKEN_FILE');
  });
});
