// The one error a mapper throws: which record, which field, what was wrong (docs/design.md#principle-7).
import type { z } from 'zod';
import { ServiceError } from '../errors.js';

/** An API payload that does not have the shape the mirror needs; nothing from it is written (permanent). */
export class InvalidPayloadError extends ServiceError {
  override name = 'InvalidPayloadError';

  constructor(
    /** The kind of record: contact, company, tag, segment, note. */
    readonly record: string,
    /** The record's Intercom id, or null when the payload has none. */
    readonly recordId: string | null,
    /** Dotted path of the first offending field, e.g. `tags.data[3].id`. */
    readonly field: string,
    reason: string,
  ) {
    super(`invalid ${record} ${recordId ?? '(no id)'}: ${field}: ${reason}`, { permanent: true });
  }
}

/**
 * Parses a payload with a zod schema, or throws an InvalidPayloadError naming record and field.
 * @example const contact = parsePayload(contactSchema, json, 'contact');
 */
export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  payload: unknown,
  record: string,
): z.output<Schema> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidPayloadError(record, idOf(payload), fieldPath(issue.path), issue.message);
}

/** A payload's id for an error message, or null when it has none. */
export function idOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const id = (payload as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/** A zod issue's path as errors name fields: `tags.data[3].id`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(payload)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}
