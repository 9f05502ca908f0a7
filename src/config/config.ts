// Reads and validates the service's settings from the environment, once, at start-up; the one place
// every setting's default is defined (SETTING_DEFAULTS).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { ServiceError } from '../errors.js';

/** Where the real API lives, per region (docs/intercom-api.md#request-basics). */
export const INTERCOM_HOSTS = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
} as const;

const url = (what: string, protocols: string[]) =>
  z
    .string({ error: `${what} is not set` })
    .min(1, `${what} is empty`)
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `${what} must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`,
    );

/** Hosts a plain-http URL may name: this machine only (the local sandbox), never the network. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** An https URL, or http to a loopback host: the access token never crosses a network in clear. */
const secureUrl = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .superRefine((value, context) => {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        context.addIssue({
          code: 'custom',
          message: `${what} must be a URL starting with https://, not '${value}'`,
        });
        return;
      }
      const secure =
        parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname));
      if (!secure)
        context.addIssue({
          code: 'custom',
          message: `${what} must start with https:// (plain http:// only to this machine, e.g. the local sandbox), so the access token is never sent in clear`,
        });
    });

/**
 * A whole number within bounds; unset → the default. An empty value is an error rather than 0
 * (`PORT=""` once meant a random port).
 */
const int = (what: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((raw, context) => {
      if (raw === undefined) return fallback;
      const text = raw.trim();
      const fail = (message: string) => {
        context.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (text === '')
        return fail(
          `${what} is empty: set a whole number from ${min} to ${max}, or unset it for ${fallback}`,
        );
      if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return fail(`${what} must be a number`);
      const value = Number(text);
      if (!Number.isInteger(value)) return fail(`${what} must be a whole number`);
      if (value < min) return fail(`${what} must be at least ${min}`);
      if (value > max) return fail(`${what} must be at most ${max}`);
      return value;
    });

/** Like `int`, but unset means "off" (undefined) rather than a default. */
const optionalInt = (what: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw, context) => {
      if (raw === undefined) return undefined;
      const parsed = int(what, min, max, 0).safeParse(raw);
      if (parsed.success) return parsed.data;
      context.addIssue({ code: 'custom', message: parsed.error.issues[0]!.message });
      return z.NEVER;
    });

const bool = (what: string) =>
  z
    .enum(['true', 'false', '1', '0'], { error: `${what} must be true or false` })
    .default('false')
    .transform((v) => v === 'true' || v === '1');

/**
 * A credential: unset or empty → not set; a value that is blank or starts or ends with
 * whitespace (a pasted newline) is refused, since it would fail later as a baffling 401.
 */
const secret = (what: string, minLength = 1) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value === '') return undefined;
      if (value.trim() === '') {
        context.addIssue({ code: 'custom', message: `${what} is blank` });
        return z.NEVER;
      }
      if (value.trim() !== value) {
        context.addIssue({
          code: 'custom',
          message: `${what} starts or ends with whitespace (a stray space or newline?)`,
        });
        return z.NEVER;
      }
      if (value.length < minLength) {
        context.addIssue({
          code: 'custom',
          message: `${what} must be at least ${minLength} characters long`,
        });
        return z.NEVER;
      }
      return value;
    });

// Loaded on first use: only a process given its own FULL_SYNC_CRON pays for the parser (and luxon).
const requireModule = createRequire(import.meta.url);
let cronParser: typeof import('cron-parser').CronExpressionParser | undefined;
const parseCron = (pattern: string) =>
  (cronParser ??= (requireModule('cron-parser') as typeof import('cron-parser')).CronExpressionParser).parse(
    pattern,
  );

/** A cron pattern as BullMQ reads it (the same parser, cron-parser), checked now instead of at the first schedule. */
const cron = (what: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((value, context) => {
      const problem = (reason: string) =>
        context.addIssue({
          code: 'custom',
          message: `${what} is not a cron pattern ('${value}': ${reason}); use minute hour day month weekday, e.g. '${fallback}'`,
        });
      if (value.trim() === '') return problem('empty');
      if (value === fallback) return;
      try {
        parseCron(value);
      } catch (error) {
        problem((error as Error).message);
      }
    });

const policy = z.enum(['newest-wins', 'intercom-wins', 'postgres-wins'], {
  error: 'CONFLICT_POLICY must be newest-wins, intercom-wins or postgres-wins',
});

const settings = z.object({
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']).optional(),
  INTERCOM_TOKEN: secret('INTERCOM_TOKEN'),
  INTERCOM_BASE_URL: secureUrl('INTERCOM_BASE_URL').default(INTERCOM_HOSTS.us),
  INTERCOM_CLIENT_SECRET: secret('INTERCOM_CLIENT_SECRET'),
  INTERCOM_ADMIN_ID: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine(
      (value) => value === undefined || /^\d+$/.test(value),
      'INTERCOM_ADMIN_ID must be an admin id (digits only)',
    ),
  PORT: int('PORT', 0, 65_535, 8080),
  /**
   * Unset, each process picks its own (src/app/logging.ts): info for the daemon, warn for a
   * command (error with --json), so a command's stdout stays its output.
   */
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace or silent',
    })
    .optional(),
  /** Prefix of every Redis key this service writes (queues, rate budget, locks). */
  REDIS_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_.:-]{1,64}$/,
      'REDIS_PREFIX must be 1 to 64 letters, digits, colons, dots, dashes or underscores',
    )
    .default('icsync'),
  /**
   * Share of each rate window kept for outbound pushes while pushes are waiting, so inbound reads
   * never starve them (0–0.9); with no push for a window, reads may use the whole budget.
   */
  RATE_RESERVE_OUTBOUND: z
    .string()
    .default('0.2')
    .transform((raw, context) => {
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!(value >= 0 && value <= 0.9)) {
        context.addIssue({ code: 'custom', message: 'RATE_RESERVE_OUTBOUND must be a number from 0 to 0.9' });
        return z.NEVER;
      }
      return value;
    }),
  /** Calls per minute to assume before the API has told us its limit (headers win once seen). */
  RATE_LIMIT_PER_MINUTE: int('RATE_LIMIT_PER_MINUTE', 1, 1_000_000, 1000),
  HTTP_TIMEOUT_MS: int('HTTP_TIMEOUT_MS', 100, 600_000, 30_000),
  HTTP_MAX_RETRIES: int('HTTP_MAX_RETRIES', 0, 20, 6),
  /** First wait before retrying a failed API call; doubles per retry (randomised ×1–2). */
  HTTP_RETRY_MIN_DELAY_MS: int('HTTP_RETRY_MIN_DELAY_MS', 0, 60_000, 500),
  /** Names the workspace in Redis keys; by default derived from the API host and token. */
  INTERCOM_WORKSPACE: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]{1,64}$/,
      'INTERCOM_WORKSPACE must be 1 to 64 letters, digits, dots, dashes or underscores',
    )
    .optional(),
  /** created_at slices contacts are read in, and how many are read at once. */
  SYNC_CONTACT_PARTITIONS: int('SYNC_CONTACT_PARTITIONS', 1, 1_000, 48),
  SYNC_CONTACT_CONCURRENCY: int('SYNC_CONTACT_CONCURRENCY', 1, 256, 24),
  /** Read each contact's segments (one extra call per contact). */
  SYNC_CONTACT_SEGMENTS: bool('SYNC_CONTACT_SEGMENTS'),
  /** How late Intercom's search may show a change (docs/intercom-api.md#index-lag); re-read margin. */
  SEARCH_LAG_SECONDS: int('SEARCH_LAG_SECONDS', 0, 86_400, 900),
  /**
   * A sync run whose process has not said it is alive for this long is marked crashed (runs say so
   * every 20 s). Checked when a run or the daemon starts.
   */
  RUN_STALE_SECONDS: int('RUN_STALE_SECONDS', 60, 86_400, 120),
  /** Days applied or ignored webhook events are kept (they hold payloads with personal data); 0 keeps them. */
  RETAIN_WEBHOOK_EVENTS_DAYS: int('RETAIN_WEBHOOK_EVENTS_DAYS', 0, 3_650, 14),
  /** Days pushed (done) and superseded outbox rows are kept; failed and waiting ones are never pruned. 0 keeps them. */
  RETAIN_OUTBOX_DAYS: int('RETAIN_OUTBOX_DAYS', 0, 3_650, 14),
  /** Days finished sync runs (with their figures and checkpoints) are kept; 0 keeps them. */
  RETAIN_RUNS_DAYS: int('RETAIN_RUNS_DAYS', 0, 3_650, 30),
  /** Cron pattern of the nightly full sync (daemon). */
  FULL_SYNC_CRON: cron('FULL_SYNC_CRON', '0 3 * * *'),
  /** Minutes between incremental syncs (daemon). */
  INCREMENTAL_EVERY_MINUTES: int('INCREMENTAL_EVERY_MINUTES', 1, 1_440, 5),
  /** A field changed on both sides: which side wins by default. */
  CONFLICT_POLICY: policy.default('newest-wins'),
  /** Per-field overrides, e.g. "contact.email=intercom-wins,company.plan=postgres-wins". */
  CONFLICT_POLICY_FIELDS: z
    .string()
    .default('')
    .transform((value, context) => {
      const overrides: Record<string, z.infer<typeof policy>> = {};
      for (const entry of value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const [field, choice] = entry.split('=').map((p) => p.trim());
        const parsed = policy.safeParse(choice);
        if (!field || !parsed.success) {
          context.addIssue({
            code: 'custom',
            message: `CONFLICT_POLICY_FIELDS: '${entry}' is not field=newest-wins|intercom-wins|postgres-wins`,
          });
          return z.NEVER;
        }
        overrides[field] = parsed.data;
      }
      return overrides;
    }),
  /** Edits to one record within this window are pushed as one call. */
  PUSH_COALESCE_MS: int('PUSH_COALESCE_MS', 0, 60_000, 500),
  /** A push that failed and may pass later is retried after this, doubling per attempt (to 60 s). */
  PUSH_RETRY_MIN_DELAY_MS: int('PUSH_RETRY_MIN_DELAY_MS', 0, 60_000, 1_000),
  /** How long a change waits for the record it depends on (a note's contact) to reach Intercom. */
  PUSH_DEPENDENCY_WAIT_MS: int('PUSH_DEPENDENCY_WAIT_MS', 0, 600_000, 2_000),
  /**
   * A local write naming a custom attribute Intercom does not have: create it first (its type taken
   * from the value) instead of failing the change before any call. Off by default, so a typo in an
   * attribute name is a failed change with the name in it, not a new attribute.
   */
  PUSH_CREATE_ATTRIBUTES: z
    .enum(['true', 'false', '1', '0'], { error: 'PUSH_CREATE_ATTRIBUTES must be true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /**
   * Records pushed at once per daemon. A push is one API call plus a few queries: at 100–300 ms
   * each, 64 keep 10,000 calls/min busy (bench/outbound.ts); the rate budget caps the rest.
   */
  PUSH_CONCURRENCY: int('PUSH_CONCURRENCY', 1, 1_024, 64),
  /**
   * How long a daemon's hold on a job lasts without renewal: when a daemon dies, another takes
   * over its jobs (full-sync parts, pushes) after about this long. BullMQ's default.
   */
  JOB_LOCK_MS: int('JOB_LOCK_MS', 1_000, 600_000, 30_000),
  /**
   * How often the sweeper runs (daemon): it re-enqueues pushes and webhook events that Redis or a
   * dead worker lost; a stored webhook event unapplied this long is enqueued again.
   */
  SWEEP_EVERY_SECONDS: int('SWEEP_EVERY_SECONDS', 1, 3_600, 30),
  /** A push in flight this long is taken for lost (its worker died): its changes go back to pending. */
  PUSH_STUCK_SECONDS: int('PUSH_STUCK_SECONDS', 5, 86_400, 120),
  /** How often a daemon checks its job schedulers still exist in Redis (a flush loses them). */
  SCHEDULE_CHECK_SECONDS: int('SCHEDULE_CHECK_SECONDS', 1, 3_600, 60),
  /** Basic-auth user of the daemon's /dashboard. */
  DASHBOARD_USER: z
    .string()
    .min(1, 'DASHBOARD_USER is empty')
    .refine(
      (user) => !user.includes(':'),
      'DASHBOARD_USER must not contain a colon (basic auth splits on it)',
    )
    .default('admin'),
  /** Basic-auth password of /dashboard; unset (or empty), the dashboard is not served at all. */
  DASHBOARD_PASSWORD: secret('DASHBOARD_PASSWORD', 8),
  /** Let the dashboard add, retry, remove and pause jobs and queues; off, it only shows them. */
  DASHBOARD_ALLOW_WRITES: bool('DASHBOARD_ALLOW_WRITES'),
  /** Wrong passwords a client may send within DASHBOARD_LOCKOUT_MINUTES before it is refused (429). */
  DASHBOARD_MAX_FAILED_LOGINS: int('DASHBOARD_MAX_FAILED_LOGINS', 1, 1_000, 10),
  DASHBOARD_LOCKOUT_MINUTES: int('DASHBOARD_LOCKOUT_MINUTES', 1, 1_440, 15),
  /** Serve /metrics on this port only (not on PORT); unset, /metrics is on PORT. */
  METRICS_PORT: optionalInt('METRICS_PORT', 0, 65_535),
  /** Set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: secret('METRICS_TOKEN', 16),
  /** How long the daemon's HTTP server waits for a request's headers, and for the whole request. */
  HTTP_SERVER_HEADERS_TIMEOUT_MS: int('HTTP_SERVER_HEADERS_TIMEOUT_MS', 100, 120_000, 5_000),
  HTTP_SERVER_REQUEST_TIMEOUT_MS: int('HTTP_SERVER_REQUEST_TIMEOUT_MS', 100, 600_000, 10_000),
  /**
   * On SIGTERM, how long /ready answers 503 (and requests are still served) before the listener
   * closes, so load balancers stop sending traffic first.
   */
  SHUTDOWN_DRAIN_MS: int('SHUTDOWN_DRAIN_MS', 0, 600_000, 5_000),
});

/** Settings that may instead be read from a file named by `<NAME>_FILE` (mounted secrets). */
export const FILE_SETTINGS = [
  'DATABASE_URL',
  'REDIS_URL',
  'INTERCOM_TOKEN',
  'INTERCOM_CLIENT_SECRET',
  'DASHBOARD_PASSWORD',
  'METRICS_TOKEN',
] as const;

export type Config = z.infer<typeof settings>;

/**
 * Every setting's default, as the schema above defines it. Code usable without a config (the
 * Intercom client, the rate budget) falls back on these, so no setting has a second default.
 */
export const SETTING_DEFAULTS: Readonly<Config> = Object.freeze(settings.parse({}));

/** Every setting's name, as the environment spells it (for checking deployment manifests). */
export const SETTING_NAMES: readonly string[] = [
  ...Object.keys(settings.shape),
  ...FILE_SETTINGS.map((name) => `${name}_FILE`),
];

/** The settings a command may declare it cannot run without. */
export type Needed =
  'DATABASE_URL' | 'REDIS_URL' | 'INTERCOM_TOKEN' | 'INTERCOM_CLIENT_SECRET' | 'INTERCOM_ADMIN_ID';

/** The config with the settings a command asked for known to be present. */
export type ConfigWith<K extends Needed> = Config & { [P in K]-?: string };

const hints: Record<Needed, string> = {
  DATABASE_URL:
    'DATABASE_URL is not set: point it at your Postgres, e.g. DATABASE_URL=postgres://user:password@host:5432/db (in a checkout of the repository, `npm run services start` starts a local one).',
  REDIS_URL:
    'REDIS_URL is not set: point it at your Redis, e.g. REDIS_URL=redis://127.0.0.1:6379 (in a checkout of the repository, `npm run services start` starts a local one).',
  INTERCOM_TOKEN:
    'INTERCOM_TOKEN is not set: create an access token in the Intercom Developer Hub (or use the sandbox token).',
  INTERCOM_CLIENT_SECRET:
    "INTERCOM_CLIENT_SECRET is not set: webhook signatures are checked with your app's client secret.",
  INTERCOM_ADMIN_ID:
    'INTERCOM_ADMIN_ID is not set: notes created from Postgres need an admin as their author.',
};

/** Thrown when a setting is missing or wrong; its message is one sentence naming the setting (permanent). */
export class ConfigError extends ServiceError {
  override name = 'ConfigError';
  constructor(message: string) {
    super(message, { permanent: true });
  }
}

/**
 * Validates the environment. `need` lists settings the calling command cannot run without.
 * @example const config = loadConfig(process.env, ['DATABASE_URL', 'INTERCOM_TOKEN']);
 */
export function loadConfig<K extends Needed = never>(
  env: Readonly<Record<string, string | undefined>>,
  need: readonly K[] = [],
): ConfigWith<K> {
  return requireSettings(parseConfig(env), need);
}

/** How a `*_FILE` setting's file is read (injected in tests; default: the file system). */
export type ReadSecretFile = (path: string) => string;

const readFromDisk: ReadSecretFile = (path) => readFileSync(path, 'utf8');

/**
 * The environment with each `<NAME>_FILE` replaced by `<NAME>` = the file's content (one trailing
 * newline dropped, as `echo` and most secret stores leave one).
 */
function withSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadSecretFile,
): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of FILE_SETTINGS) {
    const fileSetting = `${name}_FILE`;
    const path = env[fileSetting];
    delete resolved[fileSetting];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '')
      throw new ConfigError(`set ${name} or ${fileSetting}, not both.`);
    let content: string;
    try {
      content = readFile(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new ConfigError(`${fileSetting} names ${path}, which cannot be read (${reason}).`);
    }
    const value = content.replace(/\r?\n$/, '');
    if (value === '') throw new ConfigError(`${fileSetting} names ${path}, which is empty.`);
    resolved[name] = value;
  }
  return resolved;
}

/**
 * Validates every setting of the environment (reading `*_FILE` secrets); throws a ConfigError
 * naming the first one wrong.
 * @example const config = parseConfig(process.env);
 */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadSecretFile = readFromDisk,
): Config {
  const result = settings.safeParse(withSecretFiles(env, readFile));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
    throw new ConfigError(`${message}.`);
  }
  const config = result.data;
  if (config.HTTP_SERVER_HEADERS_TIMEOUT_MS > config.HTTP_SERVER_REQUEST_TIMEOUT_MS)
    throw new ConfigError(
      `HTTP_SERVER_HEADERS_TIMEOUT_MS (${config.HTTP_SERVER_HEADERS_TIMEOUT_MS}) must not exceed HTTP_SERVER_REQUEST_TIMEOUT_MS (${config.HTTP_SERVER_REQUEST_TIMEOUT_MS}).`,
    );
  if (config.METRICS_PORT !== undefined && config.METRICS_PORT !== 0 && config.METRICS_PORT === config.PORT)
    throw new ConfigError(`METRICS_PORT must differ from PORT (both ${config.PORT}).`);
  return config;
}

/**
 * The config, known to carry the settings in `need`; a ConfigError says how to set the first missing one.
 * @example const config = requireSettings(parseConfig(process.env), ['DATABASE_URL']);
 */
export function requireSettings<K extends Needed = never>(
  config: Config,
  need: readonly K[] = [],
): ConfigWith<K> {
  for (const name of need) {
    if (!config[name]) throw new ConfigError(hints[name]);
  }
  return config as ConfigWith<K>;
}
