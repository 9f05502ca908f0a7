// The CLI's settings are parsed from the environment once per process, and only when a command
// asks for them; each command still says which settings it cannot run without.
import { describe, expect, it } from 'vitest';
import { commandContext } from '../../src/cli/command-context.js';
import { ConfigError } from '../../src/config/config.js';

/** An environment that counts how often its settings are read. */
function countingEnv(values: Record<string, string>) {
  const reads = { count: 0 };
  const env = new Proxy(values, {
    get(target, key) {
      if (key === 'PORT') reads.count++;
      return target[key as string];
    },
  });
  return { env, reads };
}

describe('commandContext', () => {
  it('reads the environment on the first request only, then hands out the same config', () => {
    const { env, reads } = countingEnv({ PORT: '9090', DATABASE_URL: 'postgres://u@h/db' });
    const context = commandContext(env);
    expect(reads.count).toBe(0);
    const first = context.config(['DATABASE_URL']);
    const second = context.config();
    expect(reads.count).toBe(1);
    expect(second).toBe(first);
    expect(first.PORT).toBe(9090);
  });

  it('checks the settings each command needs against the one config', () => {
    const context = commandContext({ DATABASE_URL: 'postgres://u@h/db' });
    expect(context.config(['DATABASE_URL']).DATABASE_URL).toBe('postgres://u@h/db');
    expect(() => context.config(['REDIS_URL'])).toThrow(ConfigError);
    expect(() => context.config(['REDIS_URL'])).toThrow(/^REDIS_URL is not set: /);
  });

  it('a malformed setting fails the command that asks, naming the setting', () => {
    const context = commandContext({ HTTP_MAX_RETRIES: 'many' });
    expect(() => context.config()).toThrow('HTTP_MAX_RETRIES must be a number.');
  });
});
