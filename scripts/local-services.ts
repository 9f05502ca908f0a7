// The Postgres and Redis a bench uses: the ones DATABASE_URL and REDIS_URL name,
// or else the project-local ones that scripts/services.sh starts (and reports the URLs of).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The services' URLs, starting the project-local ones when the environment names none.
 * @example const { database, redis } = localServices();
 */
export function localServices(): { database: string; redis: string } {
  if (process.env.DATABASE_URL && process.env.REDIS_URL)
    return { database: process.env.DATABASE_URL, redis: process.env.REDIS_URL };
  const script = fileURLToPath(new URL('./services.sh', import.meta.url));
  const output = execFileSync('bash', [script, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const value = (name: string) => {
    const found = new RegExp(`^${name}=(.+)$`, 'm').exec(output)?.[1];
    if (!found) throw new Error(`scripts/services.sh start did not report ${name}`);
    return found;
  };
  return { database: value('DATABASE_URL'), redis: value('REDIS_URL') };
}
