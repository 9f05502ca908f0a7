// The API's timestamps are UNIX seconds; the mirror and the outbox hold Dates and ISO strings.

/**
 * A Date, UNIX seconds or an ISO string as UNIX seconds; undefined when it is none of them.
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
