// The field parsers catalogs are built from: what an API value may be for each kind of column, and
// what it becomes in the row. Plain functions rather than zod schemas: the mapper runs on every
// record of a full sync, and these are a fraction of zod's cost per contact (bench/mappers.ts).
import type { JsonObject } from '../json.js';
import { apiTimestampSeconds } from '../timestamp.js';
import type { FieldParser } from './column.js';

/** Why one field's value cannot be mapped; the mapper turns it into an InvalidPayloadError naming the field. */
export class FieldIssue extends Error {
  override name = 'FieldIssue';
}

/** A short description of a value for an error message: its type, and the value when it is short. */
export function received(value: unknown): string {
  if (value === null) return 'received null';
  if (Array.isArray(value)) return 'received an array';
  if (typeof value === 'string')
    return `received string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean')
    return `received ${typeof value} ${String(value)}`;
  return `received ${typeof value}`;
}

const expected = (what: string, value: unknown): never => {
  throw new FieldIssue(`expected ${what}, ${received(value)}`);
};

/** An Intercom id: a non-empty string, required. */
export const intercomId: FieldParser<string> = (value) =>
  typeof value === 'string' && value !== '' ? value : expected('a non-empty id', value);

/** Text, or null. */
export const text: FieldParser<string | null> = (value) =>
  typeof value === 'string'
    ? value
    : value === null || value === undefined
      ? null
      : expected('a string', value);

/** Text that every record has (a tag's name). */
export const requiredText: FieldParser<string> = (value) =>
  typeof value === 'string' ? value : expected('a string', value);

/** One of a few strings, required (a contact's role). */
export function oneOf<const Values extends readonly string[]>(
  ...values: Values
): FieldParser<Values[number]> {
  const allowed = new Set<unknown>(values);
  const what = values.map((v) => `'${v}'`).join(' or ');
  return (value) => (allowed.has(value) ? (value as Values[number]) : expected(what, value));
}

/** A whole number, or null. */
export const integer: FieldParser<number | null> = (value) =>
  typeof value === 'number' && Number.isInteger(value)
    ? value
    : value === null || value === undefined
      ? null
      : expected('a whole number', value);

/** A number, or null. */
export const number: FieldParser<number | null> = (value) =>
  typeof value === 'number' && Number.isFinite(value)
    ? value
    : value === null || value === undefined
      ? null
      : expected('a number', value);

export const boolean: FieldParser<boolean | null> = (value) =>
  typeof value === 'boolean'
    ? value
    : value === null || value === undefined
      ? null
      : expected('a boolean', value);

/** A JSON object, stored as jsonb exactly as received; or null. */
export const jsonObject: FieldParser<JsonObject | null> = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : value === null || value === undefined
      ? null
      : expected('an object', value);

/**
 * A timestamp: UNIX seconds (REST) or an ISO 8601 date-time (webhook items), as a Date at whole
 * seconds; null (or 0, Intercom's "never") is null.
 */
export const timestamp: FieldParser<Date | null> = (value) => {
  const seconds = apiTimestampSeconds(value);
  if (seconds === undefined)
    return expected('UNIX seconds (a number) or an ISO 8601 date-time, in the years 1 to 9999', value);
  return seconds === null ? null : new Date(seconds * 1000);
};
