// The package as npm users get it: `npm pack` (which cleans and builds dist/), the tarball installed
// into an empty folder with plain `npm install`, and the installed command run from there against a
// fresh database and the package's own sandbox: --version, migrate, sync full, verify.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, redisUrl, uniqueName, type TestDatabase } from '../support/services.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const SANDBOX_TOKEN = 'package-test-token';

/** The environment without what `npm test` puts there for its own npm (npm_config_*, npm_lifecycle_*) or for the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
  );
  // The installed command gets only the settings a test hands it.
  delete env.NODE_OPTIONS;
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return { ...env, ...extra };
}

let work: string;
let app: string;
let tarball: string;
let entries: string[];
let bin: string;
let sandbox: ChildProcess | undefined;
let sandboxUrl: string;
let database: TestDatabase;
let version: string;

/** Runs the installed command; never throws, so a failure shows its stderr. */
async function cli(args: string[], env: Record<string, string> = {}) {
  return run(bin, args, { cwd: app, env: cleanEnv(env), timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

function startInstalledSandbox(): Promise<string> {
  const child = spawn(
    bin,
    [
      'sandbox',
      '--port',
      '0',
      '--contacts',
      '60',
      '--companies',
      '12',
      '--seed',
      '8',
      '--token',
      SANDBOX_TOKEN,
    ],
    {
      cwd: app,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  sandbox = child;
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) =>
      reject(new Error(`the installed sandbox exited (${code}) before listening: ${stderr}`)),
    );
  });
}

beforeAll(async () => {
  version = (JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  work = await mkdtemp(join(tmpdir(), 'intercom-pg-sync-package-'));
  // A leftover of an older build: prepack must clean dist/ so it never reaches the tarball.
  await mkdir(join(repo, 'dist/src'), { recursive: true });
  await writeFile(join(repo, 'dist/src/left-over-from-an-old-build.js'), 'export {};\n');
  await run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: repo, env: cleanEnv() });
  const packed = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  expect(packed).toEqual([`intercom-pg-sync-${version}.tgz`]);
  tarball = join(work, packed[0]!);
  entries = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);

  app = join(work, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true }));
  await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    env: cleanEnv(),
  });
  bin = join(app, 'node_modules/.bin/intercom-pg-sync');
  database = await createTestDatabase('package');
}, 300_000);

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null) {
    const exited = new Promise((resolve) => sandbox!.once('exit', resolve));
    sandbox.kill('SIGTERM');
    await exited;
  }
  await database?.drop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the built dist/, the bin, migrations, the role script, LICENSE and CHANGELOG, and no sources or tests', () => {
    const files = entries.map((e) => e.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'bin/intercom-pg-sync.js',
        'dist/src/cli/main.js',
        'dist/migrations/index.js',
        'dist/migrations/0004_least_privilege.js',
        'deploy/postgres/app-role.sql',
      ]),
    );
    expect(files.filter((f) => /^(src|test|bench|scripts|spec|\.services)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') || f.endsWith('.map') || f.includes('.env'))).toEqual([]);
    expect(files).not.toContain('dist/src/left-over-from-an-old-build.js');
  });

  it('installs without tsx and prints its version, also through npx', async () => {
    expect(existsSync(join(app, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/intercom-pg-sync/src'))).toBe(false);
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const npx = await run('npx', ['--no', '--', 'intercom-pg-sync', '--version'], {
      cwd: app,
      env: cleanEnv(),
    });
    expect(npx.stdout.trim()).toBe(version);

    // What an npm user is told to do has to be something an npm user can do.
    const missing = await cli(['migrate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^intercom-pg-sync: DATABASE_URL is not set: .*DATABASE_URL=postgres:\/\/user:password@host:5432\/db/,
    );
    expect(missing.stderr).toContain('in a checkout of the repository, `npm run services start`');
  }, 60_000);

  it('migrates a fresh database, and syncs the sandbox it ships into it; only `sandbox` needs faker', async () => {
    sandboxUrl = await startInstalledSandbox();
    // Every other command must run without the sandbox's faker: hide it once the sandbox has it loaded.
    await rename(join(app, 'node_modules/@faker-js'), join(app, 'node_modules/.faker-hidden'));

    const migrate = await cli(['migrate'], { DATABASE_URL: database.url });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/^applied \d+ migration\(s\): 0001_initial, .*; schema is at \d{4}_\w+$/m);

    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl(),
      REDIS_PREFIX: uniqueName('pkg'),
      INTERCOM_WORKSPACE: uniqueName('ws'),
      INTERCOM_TOKEN: SANDBOX_TOKEN,
      INTERCOM_BASE_URL: sandboxUrl,
      RATE_LIMIT_PER_MINUTE: '100000',
      SEARCH_LAG_SECONDS: '0',
      LOG_LEVEL: 'silent',
    };
    const sync = await cli(['sync', 'full', '--json'], env);
    expect(sync.code, sync.stderr).toBe(0);
    const summary = JSON.parse(sync.stdout) as {
      status: string;
      streams: { stream: string; fetched: number }[];
    };
    expect(summary.status).toBe('succeeded');
    expect(summary.streams.find((s) => s.stream === 'contacts')).toMatchObject({ fetched: 60 });
    expect(summary.streams.find((s) => s.stream === 'companies')).toMatchObject({ fetched: 12 });

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const landed = await client
      .query<{ contacts: number; companies: number; notes: number }>(
        `select (select count(*)::int from intercom.contacts) as contacts,
                (select count(*)::int from intercom.companies) as companies,
                (select count(*)::int from intercom.notes) as notes`,
      )
      .finally(() => client.end());
    expect(landed.rows[0]).toMatchObject({ contacts: 60, companies: 12 });
    expect(landed.rows[0]!.notes).toBeGreaterThan(0);

    const verify = await cli(['verify', '--json'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({
      clean: true,
      checked: { contacts: 60, companies: 12 },
    });

    const sandboxWithoutFaker = await cli(['sandbox', '--port', '0']);
    expect(sandboxWithoutFaker.code).not.toBe(0);
    expect(sandboxWithoutFaker.stderr).toMatch(/@faker-js\/faker/);
  }, 180_000);
});
