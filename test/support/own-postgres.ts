// A Postgres cluster of the caller's own (a chaos run's), in a temporary folder on its own port, that
// it may stop and start again without touching the shared test server. Made and run by
// scripts/services.sh (`pg-start`, `pg-stop`): the same initdb, the same test settings (fsync off).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { freePort } from './own-redis.js';
import { uniqueName, type TestDatabase } from './services.js';

export interface OwnPostgres {
  readonly port: number;
  /** The cluster's SERVICES_DIR (data and server.log under `pg/`). */
  readonly dir: string;
  /** Stops the server, fast: open connections are cut, as a restart does (a no-op while it is down). */
  stop(): Promise<void>;
  /** Starts it again, same data, and resolves once it accepts connections. */
  start(): Promise<void>;
  /** A fresh database on it, migrated; `drop()` removes it. */
  createMigratedDatabase(prefix: string): Promise<TestDatabase>;
  /** Stops the server and removes its folder, or keeps the folder (a post-mortem) with `keepFiles`. */
  close(options?: { keepFiles?: boolean }): Promise<void>;
}

const script = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));

function services(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script, command], { env, encoding: 'utf8' }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`scripts/services.sh ${command}: ${stderr.trim() || error.message}`))
        : resolve(stdout),
    );
  });
}

/**
 * Makes and starts the cluster (`port` free on 127.0.0.1, else one the system picks).
 * @example const server = await startOwnPostgres(); … await server.stop(); await server.start(); … await server.close();
 */
export async function startOwnPostgres(options: { port?: number } = {}): Promise<OwnPostgres> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'own-postgres-'));
  // initdb and the server run as the postgres user when we are root: they must reach the folder.
  chmodSync(dir, 0o755);
  // DATABASE_URL unset: services.sh would otherwise report that server and start none.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVICES_DIR: dir,
    PG_PORT: String(port),
    DATABASE_URL: '',
  };
  const removeNow = () => {
    // pg_ctl's immediate stop: the runner is exiting and cannot wait for anything gentler.
    try {
      execFileSync('bash', [script, 'pg-stop'], {
        env: { ...env, PG_STOP_MODE: 'immediate' },
        stdio: 'ignore',
      });
    } catch {
      // already down
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Never outlive the process that made it, even if destroy() did not run.
  process.once('exit', removeNow);
  let url: string;
  try {
    const output = await services('pg-start', env);
    const found = /^DATABASE_URL=(.+)$/m.exec(output)?.[1];
    if (!found) throw new Error(`scripts/services.sh pg-start did not report DATABASE_URL:\n${output}`);
    url = found;
  } catch (error) {
    process.off('exit', removeNow);
    removeNow();
    throw error;
  }
  return {
    port,
    dir,
    stop: async () => void (await services('pg-stop', env)),
    start: async () => void (await services('pg-start', env)),
    async createMigratedDatabase(prefix: string): Promise<TestDatabase> {
      const name = uniqueName(prefix);
      const admin = new URL(url);
      const target = new URL(url);
      target.pathname = `/${name}`;
      const run = async (statement: string) => {
        const client = new pg.Client({ connectionString: admin.toString() });
        await client.connect();
        try {
          await client.query(statement);
        } finally {
          await client.end();
        }
      };
      await run(`create database "${name}"`);
      const migrator = createDatabase({ url: target.toString(), poolSize: 1 });
      try {
        await migrateToLatest(migrator);
      } finally {
        await migrator.destroy();
      }
      return {
        url: target.toString(),
        name,
        drop: () => run(`drop database if exists "${name}" with (force)`),
      };
    },
    async close({ keepFiles = false } = {}) {
      process.off('exit', removeNow);
      try {
        await services('pg-stop', env);
      } finally {
        if (!keepFiles) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
