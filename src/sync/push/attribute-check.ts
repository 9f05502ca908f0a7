// Custom attributes a push is about to send, checked against Intercom's definitions (mirrored in
// intercom.data_attributes) before any call: an unknown one is created first when
// PUSH_CREATE_ATTRIBUTES is on, else the change fails naming it; a value of the wrong type fails
// (docs/intercom-api.md#data-attributes).
import {
  attributeDefinitions,
  recordCreatedAttribute,
  upsertDataAttributes,
} from '../../db/upsert-workspace.js';
import { withSyncWrites } from '../../db/sync-writes.js';
import { received } from '../../mappers/catalog/parsers.js';
import { PushRejectedError } from '../../mappers/push-input.js';
import { attributeTypeOf, mapDataAttribute, valueFitsType } from '../../mappers/workspace.js';
import type { PushContext } from './context.js';

const call = { lane: 'outbound' as const };

type Model = 'contact' | 'company';

const PLURAL: Record<Model, string> = { contact: 'contacts', company: 'companies' };

/**
 * Checks (and, if allowed, creates) every custom attribute in `attributes`; resolves to the API
 * calls it made (re-reading the definitions, creating attributes). Throws PushRejectedError, before
 * the record's own call, for an attribute that cannot be written.
 * @example calls += await checkCustomAttributes(ctx, 'contact', rowId, body.custom_attributes);
 */
export async function checkCustomAttributes(
  ctx: PushContext,
  model: Model,
  rowId: number,
  attributes: unknown,
): Promise<number> {
  if (typeof attributes !== 'object' || attributes === null) return 0;
  const names = Object.keys(attributes);
  if (names.length === 0) return 0;
  let calls = 0;
  let defs = await attributeDefinitions(ctx.db, model);
  // Never mirrored (no full sync yet): read them now. Otherwise the mirror decides, with no call,
  // and the full sync keeps it current.
  if (defs.size === 0) {
    const listed = await ctx.intercom.dataAttributes.list(model, call);
    calls++;
    await withSyncWrites(ctx.db, (trx) =>
      upsertDataAttributes(
        trx,
        listed.map((d) => mapDataAttribute(d, model)),
      ),
    );
    defs = await attributeDefinitions(ctx.db, model);
  }
  const values = attributes as Record<string, unknown>;
  for (const name of names) {
    const value = values[name];
    const def = defs.get(name);
    if (!def) {
      calls += await createAttribute(ctx, model, rowId, name, value);
      continue;
    }
    if (def.api_writable === false)
      throw new PushRejectedError(
        `custom attribute '${name}' of ${PLURAL[model]} cannot be written through Intercom's API`,
      );
    if (!valueFitsType(value, def.data_type))
      throw new PushRejectedError(
        `custom attribute '${name}' of ${PLURAL[model]} is of type ${def.data_type} in Intercom; the value written (${received(value)}) is not`,
      );
  }
  return calls;
}

async function createAttribute(
  ctx: PushContext,
  model: Model,
  rowId: number,
  name: string,
  value: unknown,
): Promise<number> {
  if (!ctx.push.createAttributes)
    throw new PushRejectedError(
      `custom attribute '${name}' does not exist in Intercom for ${PLURAL[model]} (see intercom.data_attributes); ` +
        'create it in Intercom (then `intercom-pg-sync sync full --only data_attributes` and `failed retry`), ' +
        'or set PUSH_CREATE_ATTRIBUTES=true to have it created from the value written',
    );
  const type = attributeTypeOf(value);
  if (!type)
    throw new PushRejectedError(
      `custom attribute '${name}' does not exist in Intercom for ${PLURAL[model]}, and its type cannot be taken from the value written (${received(value)}); create it in Intercom first`,
    );
  const created = await ctx.intercom.dataAttributes.create({ name, model, data_type: type }, call);
  await withSyncWrites(ctx.db, async (trx) => {
    await upsertDataAttributes(trx, [mapDataAttribute(created, model)]);
    await recordCreatedAttribute(trx, { model, name, data_type: type, entity: model, row_id: rowId });
  });
  ctx.log.info({ model, name, type, rowId }, 'created a custom attribute for a local write');
  return 1;
}
