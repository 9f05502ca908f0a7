// Starts an in-process daemon for a test harness (port 0, loopback, no schedules unless asked).
import { loadConfig } from '../../src/config/config.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/app/daemon.js';

export type TestDaemonOptions = Partial<DaemonOptions> & { env?: Record<string, string> };

/**
 * A daemon configured from `env` (overridden by `options.env`), added to `daemons` so the harness
 * closes it.
 * @example const daemon = await startTestDaemon(harness.env, { schedule: true }, daemons);
 */
export async function startTestDaemon(
  env: Readonly<Record<string, string | undefined>>,
  options: TestDaemonOptions,
  daemons: Daemon[],
): Promise<Daemon> {
  const { env: more, ...rest } = options;
  const config = loadConfig({ ...env, ...more }, [
    'DATABASE_URL',
    'REDIS_URL',
    'INTERCOM_TOKEN',
    'INTERCOM_CLIENT_SECRET',
  ]);
  const daemon = await startDaemon({ config, host: '127.0.0.1', schedule: false, graceMs: 5_000, ...rest });
  daemons.push(daemon);
  return daemon;
}
