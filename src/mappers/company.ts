// Intercom company JSON (notes §6) → a companies row and its embedded tags and segments.
import { z } from 'zod';
import { contentHash } from './content-hash.js';
import { parsePayload } from './invalid-payload.js';
import {
  customAttributes,
  intercomId,
  nullableInteger,
  nullableNumber,
  nullableString,
  unixTimestamp,
} from './payload-fields.js';
import { referenceListSchema } from './reference-list.js';
import type { CompanyRow, JsonObject, ReferenceList } from './rows.js';

/** Responses carry `plan: {type:"plan",id,name}`; requests and some fixtures a plain name. */
const plan = z
  .union([z.string(), z.looseObject({ name: nullableString })])
  .nullish()
  .transform((value) => (typeof value === 'string' ? value : (value?.name ?? null)));

const companySchema = z.looseObject({
  id: intercomId,
  company_id: nullableString,
  app_id: nullableString,
  name: nullableString,
  plan,
  size: nullableInteger,
  website: nullableString,
  industry: nullableString,
  monthly_spend: nullableNumber,
  session_count: nullableInteger,
  user_count: nullableInteger,
  custom_attributes: customAttributes,
  remote_created_at: unixTimestamp,
  created_at: unixTimestamp,
  updated_at: unixTimestamp,
  last_request_at: unixTimestamp,
  tags: referenceListSchema.nullish(),
  segments: referenceListSchema.nullish(),
});

/** A company's embedded tags and segments. */
export interface CompanyLists {
  readonly intercomId: string;
  /** null when the payload carried no such list (then the stored links are left alone). */
  readonly tags: ReferenceList | null;
  readonly segments: ReferenceList | null;
}

export interface MappedCompany extends CompanyLists {
  readonly row: CompanyRow;
}

const companyListsSchema = companySchema.pick({ id: true, tags: true, segments: true });

/**
 * Only the embedded lists of a company payload: for a company whose row is already stored as this
 * payload (its digest matches). Throws like mapCompany.
 * @example const { tags } = mapCompanyLists(json);
 */
export function mapCompanyLists(payload: unknown): CompanyLists {
  const c = parsePayload(companyListsSchema, payload, 'company');
  return { intercomId: c.id, tags: c.tags ?? null, segments: c.segments ?? null };
}

/**
 * Maps one company payload; throws InvalidPayloadError naming the company and field when invalid.
 * @example const { row, tags } = mapCompany(json);
 */
export function mapCompany(payload: unknown): MappedCompany {
  const c = parsePayload(companySchema, payload, 'company');
  const row: CompanyRow = {
    intercom_id: c.id,
    company_id: c.company_id,
    app_id: c.app_id,
    name: c.name,
    plan: c.plan,
    size: c.size,
    website: c.website,
    industry: c.industry,
    monthly_spend: c.monthly_spend,
    session_count: c.session_count,
    user_count: c.user_count,
    custom_attributes: c.custom_attributes,
    remote_created_at: c.remote_created_at,
    created_at: c.created_at,
    updated_at: c.updated_at,
    last_request_at: c.last_request_at,
    raw: payload as JsonObject,
    content_hash: contentHash(payload),
  };
  return { row, intercomId: c.id, tags: c.tags ?? null, segments: c.segments ?? null };
}
