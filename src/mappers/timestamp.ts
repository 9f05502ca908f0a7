// Timestamps at whole-second precision: as the API sends them (REST answers: UNIX seconds; webhook
// items: ISO 8601 strings with milliseconds) and as the mirror and the outbox hold them (Dates,
// ISO strings). Intercom's clock is whole seconds, so a webhook's `.238` is the REST read's same
// second, never a newer one (docs/intercom-api.md#webhooks).

/** A full ISO 8601 date-time with an offset, as webhook items carry (`2026-01-10T04:22:28.238+00:00`). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

/**
 * The seconds a timestamp may name: the years 1 to 9999. Beyond them a value is no date (a
 * `created_at: 1e13`, milliseconds sent as seconds) and Postgres or a JS Date could not hold it.
 */
export const TIMESTAMP_RANGE_SECONDS = { min: -62_135_596_800, max: 253_402_300_799 } as const;

/**
 * The UNIX second an API timestamp names, the milliseconds truncated: UNIX seconds or an ISO 8601
 * date-time. null for "never" (null, absent, or 0 — Intercom's "never" — in either form);
 * undefined when the value is neither (a date without a time, a boolean, …) or names no year
 * from 1 to 9999.
 * @example apiTimestampSeconds('2026-01-10T04:22:28.238+00:00') // → 1768018948
 * @example apiTimestampSeconds(1768018948) // → 1768018948
 */
export function apiTimestampSeconds(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  let seconds: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    seconds = Math.floor(value);
  } else if (typeof value === 'string' && ISO_DATE_TIME.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return undefined;
    seconds = Math.floor(ms / 1000);
  } else return undefined;
  if (seconds < TIMESTAMP_RANGE_SECONDS.min || seconds > TIMESTAMP_RANGE_SECONDS.max) return undefined;
  return seconds === 0 ? null : seconds;
}

/**
 * A Date, UNIX seconds or an ISO string (any Date.parse reads) as UNIX seconds; undefined when it
 * is none of them. For values from the mirror and the outbox, which hold Dates and ISO strings.
 * @example unixSeconds('2024-06-01T00:00:00Z') // → 1717200000
 */
export function unixSeconds(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value * 1000
        : Date.parse(String(value));
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
