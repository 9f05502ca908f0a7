// The zod field shapes shared by every mapper: timestamps, nullable scalars, JSON objects.
import { z } from 'zod';
import type { JsonObject } from './rows.js';

/** ISO 8601 with a zone, as webhook items carry timestamps ("2026-01-10T04:22:28.238+00:00"). */
const isoTimestamp = z.iso.datetime({
  offset: true,
  error: 'expected a number (UNIX seconds) or an ISO 8601 timestamp with a zone',
});

/**
 * A timestamp: UNIX seconds (REST answers) or an ISO 8601 string (webhook items), kept at
 * whole-second precision so a delivery's `.238` is not newer than the REST read of that second
 * (docs/intercom-api.md#webhooks). Intercom sends null or 0 for "never", and both stay null.
 */
export const unixTimestamp = z
  .union([z.number(), isoTimestamp])
  .nullish()
  .transform((value) => {
    if (!value) return null;
    if (typeof value === 'number') return new Date(value * 1000);
    return new Date(Math.floor(Date.parse(value) / 1000) * 1000);
  });

export const nullableString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

export const nullableBoolean = z
  .boolean()
  .nullish()
  .transform((value) => value ?? null);

export const nullableInteger = z
  .number()
  .int()
  .nullish()
  .transform((value) => value ?? null);

export const nullableNumber = z
  .number()
  .nullish()
  .transform((value) => value ?? null);

/** A JSON object stored as jsonb exactly as received. */
export const jsonObject = z.record(z.string(), z.unknown()).transform((value) => value as JsonObject);

export const nullableJsonObject = jsonObject.nullish().transform((value) => value ?? null);

/** `custom_attributes`: stored as is, `{}` when absent (the column is not null). */
export const customAttributes = jsonObject.nullish().transform((value) => value ?? {});

/** An Intercom id: a non-empty string. */
export const intercomId = z.string().min(1, 'expected a non-empty id');
