// The zod field shapes shared by every mapper: UNIX timestamps, nullable scalars, JSON objects.
import { z } from 'zod';
import type { JsonObject } from './rows.js';

/** A UNIX-seconds timestamp; Intercom sends null or 0 for "never", and both stay null. */
export const unixTimestamp = z
  .number()
  .nullish()
  .transform((seconds) => (seconds ? new Date(seconds * 1000) : null));

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
