// Timestamps as live webhook items carry them: ISO 8601 strings with milliseconds, where REST
// answers for the same record give whole UNIX seconds (docs/intercom-api.md#webhooks).
import { keyedFraction } from './prng.js';

/** `+00:00` with the record's milliseconds (most fields), or `.000Z` (some topics' `updated_at`). */
export type IsoStyle = 'offset' | 'zulu';

/**
 * The item form of a UNIX-seconds timestamp; null stays null. The milliseconds are fixed by
 * `salt` (record id and field), so the same second always renders the same, and truncating them
 * gives back exactly the second the REST answer carries.
 * @example isoTimestamp(1768018948, 'c1:updated_at') // → "2026-01-10T04:22:28.238+00:00"
 */
export function isoTimestamp(
  seconds: number | null | undefined,
  salt: string,
  style: IsoStyle = 'offset',
): string | null {
  if (seconds === null || seconds === undefined) return null;
  if (style === 'zulu') return new Date(seconds * 1000).toISOString();
  const ms = Math.floor(keyedFraction(seconds, salt) * 1000);
  return new Date(seconds * 1000 + ms).toISOString().replace('Z', '+00:00');
}
