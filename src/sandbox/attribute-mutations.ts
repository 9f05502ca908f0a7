// Custom data attributes created through `POST /data_attributes`, with the live validation: a
// model, a known data type, a name of allowed characters not already taken in that model
// (docs/intercom-api.md#data-attributes).
import { ApiError } from './errors.js';
import { asBody } from './input.js';
import type { AttributeDefinition, AttributeType } from './model.js';
import type { Store } from './store.js';

const TYPES: readonly AttributeType[] = ['string', 'integer', 'float', 'boolean', 'date', 'datetime'];
/** Letters, digits, spaces, underscores, hyphens and currency symbols. */
const NAME = /^[\p{L}\p{N} _\-\p{Sc}]+$/u;

export type AttributeModel = 'contact' | 'company';

/**
 * Validates and stores a new custom attribute; throws the API's 400 naming what is wrong.
 * @example const def = createAttribute(store, { name: 'seats', model: 'contact', data_type: 'integer' });
 */
export function createAttribute(
  store: Store,
  raw: unknown,
): { def: AttributeDefinition; model: AttributeModel } {
  const body = asBody(raw);
  const { name, model, data_type: type } = body;
  if (typeof name !== 'string' || name.trim() === '')
    throw new ApiError(400, 'parameter_not_found', 'Name is required');
  if (model !== 'contact' && model !== 'company')
    throw new ApiError(400, 'parameter_invalid', 'Model must be contact or company');
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type))
    throw new ApiError(400, 'parameter_invalid', "Data Type isn't an option");
  if (!NAME.test(name))
    throw new ApiError(
      400,
      'parameter_invalid',
      'Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens',
    );
  const defs = model === 'contact' ? store.contactAttributes : store.companyAttributes;
  if (defs.has(name)) {
    const data = model === 'contact' ? 'people' : 'company';
    throw new ApiError(
      400,
      'parameter_invalid',
      `You already have '${name}' in your ${data} data. To save this as new ${data} data, use a different name.`,
    );
  }
  const def: AttributeDefinition = {
    name,
    type: type as AttributeType,
    id: Number(store.ids.numericId('data_attribute', 3_000)),
    created_at: store.clock.now(),
    ...(typeof body.description === 'string' && { description: body.description }),
  };
  defs.set(name, def);
  return { def, model };
}

/**
 * One attribute as `GET /data_attributes` lists it.
 * @example renderAttribute({ name: 'seats', type: 'integer' }, 'contact')
 */
export function renderAttribute(def: AttributeDefinition, model: AttributeModel): Record<string, unknown> {
  return {
    type: 'data_attribute',
    id: def.id ?? null,
    model,
    name: def.name,
    full_name: `custom_attributes.${def.name}`,
    label: def.name,
    description: def.description ?? '',
    data_type: def.type,
    api_writable: true,
    ui_writable: true,
    custom: true,
    archived: false,
    ...(def.created_at !== undefined && { created_at: def.created_at, updated_at: def.created_at }),
  };
}

/** The standard attributes listed before the custom ones (a few, read-only ones included). */
export const STANDARD_ATTRIBUTES: Readonly<
  Record<AttributeModel, ReadonlyArray<[string, AttributeType, boolean]>>
> = {
  contact: [
    ['name', 'string', true],
    ['email', 'string', true],
    ['phone', 'string', true],
    ['external_id', 'string', true],
    ['created_at', 'date', false],
    ['last_seen_at', 'date', true],
  ],
  company: [
    ['name', 'string', true],
    ['company_id', 'string', true],
    ['plan', 'string', true],
    ['size', 'integer', true],
    ['created_at', 'date', false],
  ],
};
