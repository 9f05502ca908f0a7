// Reads and validates the service's settings from the environment, once, at start-up; the one place
// every setting's default is defined (SETTING_DEFAULTS).
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

const int = (what: string, min: number, fallback: number) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(min, `${what} must be at least ${min}`)
    .default(fallback);

const policy = z.enum(['newest-wins', 'intercom-wins', 'postgres-wins'], {
  error: 'CONFLICT_POLICY must be newest-wins, intercom-wins or postgres-wins',
});

const settings = z.object({
  DATABASE_URL: url('DATABASE_URL', ['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url('REDIS_URL', ['redis:', 'rediss:']).optional(),
  INTERCOM_TOKEN: z.string().optional(),
  INTERCOM_BASE_URL: url('INTERCOM_BASE_URL', ['http:', 'https:']).default(INTERCOM_HOSTS.us),
  INTERCOM_CLIENT_SECRET: z.string().optional(),
  INTERCOM_ADMIN_ID: z.string().optional(),
  PORT: int('PORT', 0, 8080).refine((port) => port <= 65_535, 'PORT must be at most 65535'),
  /**
   * Unset, each process picks its own (src/app/logging.ts): info for the daemon, warn for a
   * command (error with --json), so a command's stdout stays its output.
   */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /** Prefix of every Redis key this service writes (queues, rate budget, locks). */
  REDIS_PREFIX: z.string().min(1).default('icsync'),
  /** Share of each rate window kept for outbound pushes, so inbound reads never starve them (0–0.9). */
  RATE_RESERVE_OUTBOUND: z.coerce.number().min(0).max(0.9).default(0.2),
  /** Calls per minute to assume before the API has told us its limit (headers win once seen). */
  RATE_LIMIT_PER_MINUTE: int('RATE_LIMIT_PER_MINUTE', 1, 1000),
  HTTP_TIMEOUT_MS: int('HTTP_TIMEOUT_MS', 100, 30_000),
  HTTP_MAX_RETRIES: int('HTTP_MAX_RETRIES', 0, 6),
  /** First wait before retrying a failed API call; doubles per retry (randomised ×1–2). */
  HTTP_RETRY_MIN_DELAY_MS: int('HTTP_RETRY_MIN_DELAY_MS', 0, 500),
  /** Names the workspace in Redis keys; by default derived from the API host and token. */
  INTERCOM_WORKSPACE: z.string().min(1).optional(),
  /** created_at slices contacts are read in, and how many are read at once. */
  SYNC_CONTACT_PARTITIONS: int('SYNC_CONTACT_PARTITIONS', 1, 48),
  SYNC_CONTACT_CONCURRENCY: int('SYNC_CONTACT_CONCURRENCY', 1, 24),
  /** Read each contact's segments (one extra call per contact). */
  SYNC_CONTACT_SEGMENTS: z
    .enum(['true', 'false', '1', '0'], { error: 'SYNC_CONTACT_SEGMENTS must be true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** How late Intercom's search may show a change (docs/intercom-api.md#index-lag); re-read margin. */
  SEARCH_LAG_SECONDS: int('SEARCH_LAG_SECONDS', 0, 900),
  /** Cron pattern of the nightly full sync (daemon). */
  FULL_SYNC_CRON: z.string().min(1).default('0 3 * * *'),
  /** Minutes between incremental syncs (daemon). */
  INCREMENTAL_EVERY_MINUTES: int('INCREMENTAL_EVERY_MINUTES', 1, 5),
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
  PUSH_COALESCE_MS: int('PUSH_COALESCE_MS', 0, 500),
  /** A push that failed and may pass later is retried after this, doubling per attempt (to 60 s). */
  PUSH_RETRY_MIN_DELAY_MS: int('PUSH_RETRY_MIN_DELAY_MS', 0, 1_000),
  /** How long a change waits for the record it depends on (a note's contact) to reach Intercom. */
  PUSH_DEPENDENCY_WAIT_MS: int('PUSH_DEPENDENCY_WAIT_MS', 0, 2_000),
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
  PUSH_CONCURRENCY: int('PUSH_CONCURRENCY', 1, 64),
  /** Basic-auth user of the daemon's /dashboard. */
  DASHBOARD_USER: z.string().min(1, 'DASHBOARD_USER is empty').default('admin'),
  /** Basic-auth password of /dashboard; unset (or empty), the dashboard answers loopback clients only. */
  DASHBOARD_PASSWORD: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
});

export type Config = z.infer<typeof settings>;

/**
 * Every setting's default, as the schema above defines it. Code usable without a config (the
 * Intercom client, the rate budget) falls back on these, so no setting has a second default.
 */
export const SETTING_DEFAULTS: Readonly<Config> = Object.freeze(settings.parse({}));

/** Every setting's name, as the environment spells it (for checking deployment manifests). */
export const SETTING_NAMES: readonly string[] = Object.keys(settings.shape);

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

/**
 * Validates every setting of the environment; throws a ConfigError naming the first one wrong.
 * @example const config = parseConfig(process.env);
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const result = settings.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? 'configuration');
  const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
  throw new ConfigError(`${message}.`);
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
