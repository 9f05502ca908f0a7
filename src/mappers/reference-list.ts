// Nested lists (a contact's tags and companies, a company's tags and segments) → references.
import { z } from 'zod';
import { intercomId, nullableString } from './payload-fields.js';
import { parsePayload } from './invalid-payload.js';
import type { Reference, ReferenceList } from './rows.js';

const reference = z.looseObject({ id: intercomId, name: nullableString });
const entries = z.array(reference).optional();

/**
 * The shapes seen in the wild: contacts embed `{type:"list",data,has_more,total_count}`; the spec
 * names the array `companies` for a contact's companies list while its example says `data`
 * (notes §6); a company embeds `{type:"tag.list",tags}` and `{type:"segment.list",segments}`.
 */
export const referenceListSchema = z
  .looseObject({
    data: entries,
    companies: entries,
    tags: entries,
    segments: entries,
    has_more: z.boolean().nullish(),
    total_count: z.number().int().nullish(),
    pages: z.looseObject({ next: z.unknown().optional() }).nullish(),
  })
  .transform((list): ReferenceList => {
    const items = list.data ?? list.companies ?? list.tags ?? list.segments ?? [];
    const refs: Reference[] = items.map((item) => ({ intercomId: item.id, name: item.name }));
    const totalCount = list.total_count ?? null;
    const complete =
      list.has_more !== true && !list.pages?.next && (totalCount === null || totalCount <= refs.length);
    return { refs, complete, totalCount };
  });

/**
 * Maps a list endpoint's response (`GET /contacts/{id}/tags`, `…/companies`) to references.
 * @example const { refs, complete } = mapReferenceList(json, 'contact companies');
 */
export function mapReferenceList(payload: unknown, record: string): ReferenceList {
  return parsePayload(referenceListSchema, payload, record);
}
