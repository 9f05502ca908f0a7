// Webhook items → the REST 2.x record shapes the mappers read (docs/intercom-api.md#webhook-item-shapes):
// the records a topic's item carries (wrapped or not), ISO timestamps as UNIX seconds, the keys only
// deliveries carry dropped, ≤2.4 people renamed into contacts. A field the item does not carry is
// left out, never set to null, so the mapper reports it absent and the upsert keeps what is stored.
import { InvalidPayloadError, idOf } from './invalid-payload.js';
import { apiTimestampSeconds } from './timestamp.js';

type Json = Record<string, unknown>;

/** Keys 2.5+ contact items carry that REST contacts of the pinned version (2.2) do not. */
const ITEM_ONLY_CONTACT_KEYS = new Set([
  'opted_in_subscription_types',
  'opted_out_subscription_types',
  'utm_campaign',
  'utm_content',
  'utm_medium',
  'utm_source',
  'utm_term',
  'referrer',
  'sms_consent',
  'unsubscribed_from_sms',
  'enabled_push_messaging',
  'formatted_phone',
  'merged_from',
]);

/** Location keys items (and newer REST versions) add to the 2.2 form (docs/intercom-api.md#contact-location-and-old-field-names). */
const ITEM_ONLY_LOCATION_KEYS = new Set(['country_code', 'continent_code']);

function asRecord(value: unknown, what: string): Json {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  throw new InvalidPayloadError(what, null, '(item)', `the item carries no ${what} object`);
}

/** Top-level `*_at` ISO strings as UNIX seconds; anything else as it is (the mapper judges it). */
function seconds(key: string, value: unknown): unknown {
  if (!key.endsWith('_at') || typeof value !== 'string') return value;
  const s = apiTimestampSeconds(value);
  return s === undefined ? value : s;
}

/**
 * A ≤2.4 person (`type: user` or `contact`, no `role`): the old user shape of 2.2-era topics and
 * `visitor.signed_up`, whose names differ (docs/intercom-api.md#contact-location-and-old-field-names).
 */
export function isLegacyPerson(record: Json): boolean {
  return !('role' in record) && ('anonymous' in record || 'user_id' in record || 'location_data' in record);
}

/**
 * The contact a contact item holds, as a REST 2.x contact: a 2.5+ contact without the
 * delivery-only keys, or a ≤2.4 person renamed (user_id → external_id, last_request_at →
 * last_seen_at, location_data → location, …). Throws InvalidPayloadError when it is not an object.
 * @example const payload = restContact(notification.data.item); // then mapContact(payload)
 */
export function restContact(value: unknown): Json {
  const record = asRecord(value, 'contact');
  if (isLegacyPerson(record)) return personAsContact(record);
  const out: Json = {};
  for (const [key, v] of Object.entries(record)) {
    if (ITEM_ONLY_CONTACT_KEYS.has(key)) continue;
    if (key === 'location' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out[key] = Object.fromEntries(Object.entries(v).filter(([k]) => !ITEM_ONLY_LOCATION_KEYS.has(k)));
    } else out[key] = seconds(key, v);
  }
  return out;
}

function personAsContact(p: Json): Json {
  const out: Json = { type: 'contact' };
  const carry = (to: string, from: string, map: (v: unknown) => unknown = (v) => v) => {
    if (from in p) out[to] = map(p[from]);
  };
  carry('id', 'id');
  carry('workspace_id', 'app_id');
  carry('external_id', 'user_id');
  // Leads are `anonymous` (and typed `contact`, though a lead's user.email.updated item was too).
  out.role = p.anonymous === true || (p.anonymous !== false && p.type === 'contact') ? 'lead' : 'user';
  carry('email', 'email');
  carry('phone', 'phone');
  carry('name', 'name');
  carry('avatar', 'avatar', (v) =>
    typeof v === 'object' && v !== null ? ((v as { image_url?: unknown }).image_url ?? null) : v,
  );
  carry('owner_id', 'owner_id');
  carry('social_profiles', 'social_profiles', socialProfiles);
  carry('has_hard_bounced', 'has_hard_bounced');
  carry('marked_email_as_spam', 'marked_email_as_spam');
  carry('unsubscribed_from_emails', 'unsubscribed_from_emails');
  for (const key of ['created_at', 'updated_at', 'signed_up_at']) carry(key, key, (v) => seconds(key, v));
  // 1.x's last_request_at is what 2.x calls last_seen_at.
  carry('last_seen_at', 'last_request_at', (v) => seconds('last_seen_at', v));
  carry('location', 'location_data', location);
  carry('custom_attributes', 'custom_attributes');
  // `{type: tag.list, tags}` and `{type: company.list, companies}` are whole lists (no cut at 10).
  carry('tags', 'tags');
  carry('companies', 'companies');
  return out;
}

function socialProfiles(v: unknown): unknown {
  const list = (v as { social_profiles?: unknown } | null)?.social_profiles;
  if (!Array.isArray(list)) return v;
  return {
    type: 'list',
    data: list.map((s: Json) => ({ type: 'social_profile', name: s.name ?? null, url: s.url ?? null })),
  };
}

/** `location_data` (`{}` for a person Intercom has not located) → the 2.2 contact's location. */
function location(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const l = v as Json;
  return {
    type: 'location',
    country: l.country_name ?? null,
    region: l.region_name ?? null,
    city: l.city_name ?? null,
  };
}

/**
 * The company a company item holds, as a REST company: `tag_ids` as a tag list, `plan_id` as
 * "no plan" when null and as unknown (left out) when it names one (the item has no plan name),
 * timestamps as UNIX seconds. Keys the item omits (size, website, industry) stay omitted.
 * @example const payload = restCompany(item.company); // then mapCompany(payload)
 */
export function restCompany(value: unknown): Json {
  const record = asRecord(value, 'company');
  const out: Json = {};
  for (const [key, v] of Object.entries(record)) {
    if (key === 'tag_ids') {
      if (Array.isArray(v))
        out.tags = { type: 'tag.list', tags: v.map((id) => ({ type: 'tag', id: String(id) })) };
    } else if (key === 'plan_id') {
      if (v === null) out.plan = null;
    } else out[key] = seconds(key, v);
  }
  return out;
}

/**
 * The record of a wrapping item (`contact_tag`, `user_tag`, `contact_subscribe`, attach/detach):
 * `item[key]`, or InvalidPayloadError naming what is missing.
 * @example const contact = wrapped(item, 'contact', 'user');
 */
export function wrapped(item: Json, ...keys: readonly string[]): Json {
  for (const key of keys) {
    const value = item[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  }
  throw new InvalidPayloadError(
    String(item.type ?? 'item'),
    idOf(item),
    keys.join(' or '),
    `the item carries no ${keys.join(' or ')} object`,
  );
}
