// Checks on request bodies for contacts and companies, with the API's 400s: field types,
// admins as owners, and custom attributes that must already exist as data attributes.
import { ApiError } from './errors.js';
import type { AttributeDefinition } from './model.js';

export type Body = Record<string, unknown>;

export function asBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return body as Body;
}

const invalid = (field: string): ApiError =>
  new ApiError(400, 'parameter_invalid', `Invalid value for ${field}`);

/** `undefined` when absent; throws when present with the wrong type. */
export function optionalString(body: Body, field: string): string | null | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  if (typeof v !== 'string') throw invalid(field);
  return v;
}

export function optionalInteger(body: Body, field: string): number | null | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(field);
  return Math.trunc(v);
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw invalid(field);
  return v;
}

export function checkEmail(email: string | null | undefined): void {
  if (email && !/^[^\s@]+@[^\s@]+$/.test(email))
    throw new ApiError(400, 'parameter_invalid', 'Invalid email');
}

type AttributeValue = string | number | boolean | null;

/**
 * Custom attributes merge into the existing ones; each must be a defined data attribute of the
 * right type (docs/intercom-api.md#identity: "Custom attributes must already exist as data attributes").
 */
export function mergeCustomAttributes(
  current: Readonly<Record<string, AttributeValue>>,
  patch: unknown,
  definitions: ReadonlyMap<string, AttributeDefinition>,
): Record<string, AttributeValue> {
  if (patch === undefined) return { ...current };
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw invalid('custom_attributes');
  const out: Record<string, AttributeValue> = { ...current };
  for (const [name, value] of Object.entries(patch as Record<string, unknown>)) {
    const def = definitions.get(name);
    if (!def) throw new ApiError(400, 'parameter_not_found', `Custom attribute '${name}' does not exist`);
    if (value !== null && !matchesType(value, def.type)) {
      throw new ApiError(400, 'parameter_invalid', `Custom attribute '${name}' must be of type ${def.type}`);
    }
    out[name] = value as AttributeValue;
  }
  return out;
}

function matchesType(value: unknown, type: AttributeDefinition['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
    case 'date':
    case 'datetime':
      return Number.isInteger(value);
  }
}
