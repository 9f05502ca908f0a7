// The sandbox's options, validated once with zod and shared by the CLI and in-process starts;
// the runtime knobs (latency, faults, limits, lag, webhook disorder) can also be changed live.
import { z } from 'zod';

const nonNegative = z.number().finite().min(0);
const fraction = z.number().min(0).max(1);

/** Knobs a test or demo may change while the sandbox runs (`PATCH /_sandbox/settings`). */
export const runtimeSettingsSchema = z.object({
  /** Mean injected latency per API request; each request waits 50–150 % of it (jitter). */
  latencyMs: nonNegative.default(0),
  /** Fraction of API requests that fail (500, 502 HTML, 503, timeout, truncated JSON on reads). */
  faultRate: fraction.default(0),
  /**
   * Which fault kinds `faultRate` draws from. `lost` (writes only, never drawn unless listed): the
   * change is applied, and its answer is a 502 gateway page, as when a gateway times out after the
   * API stored the change.
   */
  faultKinds: z
    .array(z.enum(['500', '502', '503', 'timeout', 'truncated', 'lost']))
    .min(1)
    .default(['500', '502', '503', 'timeout', 'truncated']),
  /** How long a "timeout" fault holds the socket before destroying it. */
  timeoutFaultMs: nonNegative.default(30_000),
  /**
   * Calls per minute; enforced as limit/6 per window (docs/intercom-api.md#windows-and-headers). 0 =
   * unlimited.
   */
  rateLimit: z.number().int().min(0).default(1000),
  /** Window length; 10 s live, shorter in tests. */
  rateWindowMs: z.number().int().min(100).default(10_000),
  /** Seconds before a change is visible to search (docs/intercom-api.md#index-lag). */
  searchLagSeconds: nonNegative.default(0),
  /**
   * Idle time after which an open companies scroll expires (docs/intercom-api.md#scroll-expiry: 1 minute).
   */
  scrollExpirySeconds: nonNegative.default(60),
  /** Fraction of scroll continuation calls answered with the mid-scroll 500 that closes the scroll. */
  scrollFaultRate: fraction.default(0),
  /** Shifts the sandbox clock (UNIX seconds) to make time pass in tests. */
  clockOffsetSeconds: z.number().default(0),
  webhookUrl: z.string().url().nullable().default(null),
  webhookSecret: z.string().default('sandbox-secret'),
  /**
   * `legacy` = API ≤2.4 topic names (2.2-era), `modern` = 2.6/2.7 names
   * (docs/intercom-api.md#webhook-topics).
   */
  webhookTopics: z.enum(['legacy', 'modern']).default('modern'),
  /** Fraction of notifications delivered twice. */
  webhookDuplicateRate: fraction.default(0),
  /**
   * Fraction of `contact.merged` items that carry `merged_from` (the docs show it, a live
   * delivery lacked it). Chosen per merge from the seed and the merge's rank, so a run repeats.
   */
  webhookMergedFromRate: fraction.default(0.5),
  /** Shuffle notifications within a buffer of this many (0 or 1 = in order). */
  webhookReorderWindow: z.number().int().min(0).default(0),
  /** Delay before the single retry of a failed delivery (live: 60 s). */
  webhookRetryDelayMs: nonNegative.default(60_000),
  /** A delivery not answered within this is failed (live: 5 s). */
  webhookTimeoutMs: nonNegative.default(5_000),
});

export const sandboxOptionsSchema = runtimeSettingsSchema.extend({
  port: z.number().int().min(0).max(65535).default(0),
  token: z.string().min(1).default('sandbox-token'),
  contacts: z.number().int().min(0).default(1000),
  companies: z.number().int().min(0).default(100),
  seed: z.number().int().default(1),
  /** Play the spec's own shapes (400 conflicts, `companies` arrays) instead of the live ones. */
  specLiteral: z.boolean().default(false),
  /** Fraction of seeded companies without a name (live companies can be nameless; 0 with specLiteral). */
  nullCompanyNameRate: fraction.default(0.02),
  /**
   * Fraction of seeded contacts whose embedded `tags.total_count` counts 1–4 tags more than
   * `/contacts/{id}/tags` lists, as a live workspace was seen to (14 vs 11).
   */
  tagTotalMismatchRate: fraction.default(0),
  /**
   * Fraction of seeded contacts created on one day, as a CSV import leaves a workspace: all on
   * IMPORT_DAY (seed-catalog.ts), spread over two hours of it. 0 = creation spread evenly.
   */
  importDayShare: fraction.default(0),
  /** The workspace id (`app_id` in notifications, `workspace_id` on contacts). */
  appId: z.string().min(1).default('sbx0ws01'),
  /** Companies scroll page size; the live size is undocumented (docs/intercom-api.md#scroll). */
  scrollPageSize: z.number().int().min(1).default(100),
  /** `GET /companies` refuses pages past this many records (docs/intercom-api.md#company-listing). */
  companiesListCap: z.number().int().min(1).default(10_000),
  /** Bound on undelivered notifications; beyond it new ones are dropped and counted. */
  webhookQueueLimit: z.number().int().min(1).default(10_000),
  /** Log requests to stderr (fastify logger). */
  log: z.boolean().default(false),
});

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;
export type SandboxOptions = z.infer<typeof sandboxOptionsSchema>;
export type SandboxOptionsInput = z.input<typeof sandboxOptionsSchema>;

export function parseSandboxOptions(input: SandboxOptionsInput = {}): SandboxOptions {
  return sandboxOptionsSchema.parse(input);
}

/** Validates a partial update of the runtime knobs (no defaults filled in). */
export function parseSettingsPatch(input: unknown): Partial<RuntimeSettings> {
  const parsed = runtimeSettingsSchema.partial().strict().parse(input) as Partial<RuntimeSettings>;
  // zod fills defaults even in a partial schema; keep only the keys the caller sent.
  const sent = new Set(Object.keys(input as object));
  return Object.fromEntries(
    Object.entries(parsed).filter(([key]) => sent.has(key)),
  ) as Partial<RuntimeSettings>;
}

export function pickRuntimeSettings(options: SandboxOptions): RuntimeSettings {
  const keys = Object.keys(runtimeSettingsSchema.shape) as Array<keyof RuntimeSettings>;
  return Object.fromEntries(keys.map((key) => [key, options[key]])) as RuntimeSettings;
}
