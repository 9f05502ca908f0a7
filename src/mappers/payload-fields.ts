// The zod field shapes of the note mapper, the one still written with zod: ids and timestamps.
// Contacts, companies, tags and segments are mapped by their catalogs (mappers/catalog) instead.
import { z } from 'zod';
import { apiTimestampSeconds } from './timestamp.js';

/**
 * A timestamp as the API sends it: UNIX seconds (REST) or an ISO 8601 date-time (webhook items),
 * as a Date at whole seconds; null or 0 for "never" stay null. The catalogs' `timestamp` parser
 * reads the same (timestamp.ts).
 */
export const timestamp = z.unknown().transform((value, ctx) => {
  const seconds = apiTimestampSeconds(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected UNIX seconds (a number) or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return seconds === null ? null : new Date(seconds * 1000);
});

/** An Intercom id: a non-empty string. */
export const intercomId = z.string().min(1, 'expected a non-empty id');
