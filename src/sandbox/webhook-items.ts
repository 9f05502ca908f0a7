// The records webhook items carry, in the shapes live deliveries have, which are not the REST
// shapes (docs/intercom-api.md#webhooks): timestamps as ISO 8601 strings with milliseconds;
// 2.5+ contacts with their subscription-type lists and utm fields; ≤2.4 `user`/`contact` people;
// companies with `plan_id`/`tag_ids` (embedded) or `plan`/`tag_ids` (company topics).
import type { CompanyRecord, ContactRecord, TagRecord } from './model.js';
import { keyedFraction } from './prng.js';
import { addressable, MOBILE_KEYS } from './render.js';
import type { Store } from './store.js';
import { isoTimestamp, type IsoStyle } from './webhook-time.js';

export interface ContactItemOptions {
  /** Some topics' items carry `updated_at` as `….000Z` (contact.email.updated, ≤2.4 contact.created). */
  readonly updatedAt?: IsoStyle;
  /** Contacts inside company attach/detach items also carry `formatted_phone`. */
  readonly formattedPhone?: boolean;
}

type Item = Record<string, unknown>;

const COLOURS = ['Azure', 'Pink', 'Amber', 'Teal', 'Scarlet', 'Olive', 'Indigo', 'Silver'];
const THINGS = ['Bus', 'Lightbulb', 'Kite', 'Lantern', 'Harbour', 'Comet', 'Teapot', 'Bicycle'];

/** Renders items from the store as it is when a change is notified. */
export class WebhookItems {
  constructor(private readonly store: Store) {}

  /** A 2.5+ contact item: the REST contact plus the fields deliveries add, timestamps ISO. */
  contact(c: ContactRecord, options: ContactItemOptions = {}): Item {
    const at = (field: string, seconds: number | null | undefined, style?: IsoStyle) =>
      isoTimestamp(seconds, `${c.id}:${field}`, style);
    const mobile = Object.fromEntries(
      MOBILE_KEYS.map((k) => {
        const value = c.mobile?.[k] ?? null;
        return [k, k.endsWith('_at') ? at(k, value as number | null) : value];
      }),
    );
    const subscriptions = () => ({
      type: 'list',
      data: [],
      url: `/contacts/${c.id}/subscriptions`,
      total_count: 0,
      has_more: false,
    });
    return {
      type: 'contact',
      id: c.id,
      workspace_id: this.store.appId,
      external_id: c.external_id,
      role: c.role,
      email: c.email,
      phone: c.phone,
      ...(options.formattedPhone ? { formatted_phone: null } : {}),
      name: c.name,
      avatar: c.avatar,
      owner_id: c.owner_id,
      social_profiles: {
        type: 'list',
        data: c.social_profiles.map((p) => ({ type: 'social_profile', ...p })),
      },
      has_hard_bounced: c.has_hard_bounced,
      marked_email_as_spam: c.marked_email_as_spam,
      unsubscribed_from_emails: c.unsubscribed_from_emails,
      created_at: at('created_at', c.created_at),
      updated_at: at('updated_at', c.updated_at, options.updatedAt),
      signed_up_at: at('signed_up_at', c.signed_up_at),
      last_seen_at: at('last_seen_at', c.last_seen_at),
      last_replied_at: at('last_replied_at', c.last_replied_at),
      last_contacted_at: at('last_contacted_at', c.last_contacted_at),
      last_email_opened_at: at('last_email_opened_at', c.last_email_opened_at),
      last_email_clicked_at: at('last_email_clicked_at', c.last_email_clicked_at),
      language_override: c.language_override,
      browser: c.browser,
      browser_version: c.browser_version,
      browser_language: c.browser_language,
      os: c.os,
      location: { type: 'location', ...c.location, country_code: null, continent_code: null },
      ...mobile,
      custom_attributes: { ...c.custom_attributes },
      tags: addressable('tag', c.tagIds, 'tags', `/contacts/${c.id}/tags`, c.tagTotalExtra),
      notes: addressable('note', [...c.noteIds].reverse(), 'notes', `/contacts/${c.id}/notes`),
      companies: addressable('company', c.companyIds, 'companies', `/contacts/${c.id}/companies`),
      opted_out_subscription_types: subscriptions(),
      opted_in_subscription_types: subscriptions(),
      utm_campaign: null,
      utm_content: null,
      utm_medium: null,
      utm_source: null,
      utm_term: null,
      referrer: null,
      sms_consent: false,
      unsubscribed_from_sms: false,
      enabled_push_messaging: null,
    };
  }

  /** A ≤2.4 person: `user` for users, `contact` for leads, with the 1.x-era nested lists. */
  person(c: ContactRecord, options: Pick<ContactItemOptions, 'updatedAt'> = {}): Item {
    const at = (field: string, seconds: number | null | undefined, style?: IsoStyle) =>
      isoTimestamp(seconds, `${c.id}:${field}`, style);
    const lead = c.role === 'lead';
    const { city, region, country } = c.location;
    return {
      type: lead ? 'contact' : 'user',
      id: c.id,
      user_id: c.external_id,
      anonymous: lead,
      email: c.email,
      phone: c.phone,
      name: c.name,
      pseudonym: lead ? this.pseudonym(c) : null,
      avatar: { type: 'avatar', image_url: c.avatar },
      app_id: this.store.appId,
      companies: {
        type: 'company.list',
        companies: c.companyIds.flatMap((id) => {
          const company = this.store.companies.get(id);
          return company
            ? [{ type: 'company', company_id: company.company_id, id: company.id, name: company.name }]
            : [];
        }),
      },
      // A person Intercom has not located carries an empty object.
      location_data:
        city === null && region === null && country === null
          ? {}
          : {
              type: 'location_data',
              city_name: city,
              continent_code: null,
              country_name: country,
              postal_code: null,
              region_name: region,
              timezone: null,
              country_code: null,
              latitude: null,
              longitude: null,
            },
      last_request_at: at('last_request_at', c.last_seen_at),
      created_at: at('created_at', c.created_at),
      // The customer's own sign-up time: live items give both fields the same instant.
      remote_created_at: lead ? null : at('signed_up_at', c.signed_up_at),
      signed_up_at: at('signed_up_at', c.signed_up_at),
      updated_at: at('updated_at', c.updated_at, options.updatedAt),
      session_count: 0,
      social_profiles: {
        type: 'social_profile.list',
        social_profiles: c.social_profiles.map((p) => ({
          type: 'social_profile',
          name: p.name,
          id: null,
          username: p.url.split('/').pop() ?? null,
          url: p.url,
        })),
      },
      owner_id: c.owner_id,
      unsubscribed_from_emails: c.unsubscribed_from_emails,
      marked_email_as_spam: c.marked_email_as_spam,
      has_hard_bounced: c.has_hard_bounced,
      tags: { type: 'tag.list', tags: c.tagIds.map((id) => ({ type: 'tag', id })) },
      // Segment membership is a rule evaluation the items of the captures never showed filled.
      segments: { type: 'segment.list', segments: [] },
      custom_attributes: { ...c.custom_attributes },
      referrer: null,
      utm_campaign: null,
      utm_content: null,
      utm_medium: null,
      utm_source: null,
      utm_term: null,
      do_not_track: null,
      last_seen_ip: null,
      user_agent_data: null,
    };
  }

  /** The item of company.created/updated (2.7+): `plan` and `tag_ids`, no segments. */
  company(c: CompanyRecord): Item {
    const at = (field: string, seconds: number | null) => isoTimestamp(seconds, `${c.id}:${field}`);
    const plan = c.plan === null ? undefined : this.store.plans.get(c.plan);
    return {
      type: 'company',
      id: c.id,
      name: c.name,
      app_id: this.store.appId,
      plan: plan ? { type: 'plan', id: plan.id, name: plan.name } : null,
      company_id: c.company_id,
      remote_created_at: at('remote_created_at', c.remote_created_at),
      created_at: at('created_at', c.created_at),
      updated_at: at('updated_at', c.updated_at),
      last_request_at: at('last_request_at', c.last_request_at),
      size: c.size,
      website: c.website,
      industry: c.industry,
      monthly_spend: c.monthly_spend,
      session_count: c.session_count,
      user_count: this.store.userCount(c.id),
      custom_attributes: { ...c.custom_attributes },
      tag_ids: [...c.tagIds],
    };
  }

  /**
   * A company inside an attach/detach item, and the ≤2.4 company.created item: `plan_id` and
   * `tag_ids`, and no size, website or industry at all (unknown, not null).
   */
  companyRef(c: CompanyRecord): Item {
    const at = (field: string, seconds: number | null) => isoTimestamp(seconds, `${c.id}:${field}`);
    const plan = c.plan === null ? undefined : this.store.plans.get(c.plan);
    return {
      type: 'company',
      id: c.id,
      company_id: c.company_id,
      app_id: this.store.appId,
      name: c.name,
      plan_id: plan?.id ?? null,
      remote_created_at: at('remote_created_at', c.remote_created_at),
      created_at: at('created_at', c.created_at),
      updated_at: at('updated_at', c.updated_at),
      last_request_at: at('last_request_at', c.last_request_at),
      monthly_spend: c.monthly_spend,
      session_count: c.session_count,
      user_count: this.store.userCount(c.id),
      tag_ids: [...c.tagIds],
      custom_attributes: { ...c.custom_attributes },
    };
  }

  tag(t: TagRecord): Item {
    return { type: 'tag', id: t.id, name: t.name };
  }

  /** Leads get a generated "Colour Thing from City" name, as Intercom gives anonymous visitors. */
  private pseudonym(c: ContactRecord): string {
    const pick = (words: string[], key: string) => words[Math.floor(keyedFraction(0, key) * words.length)]!;
    const base = `${pick(COLOURS, `${c.id}:colour`)} ${pick(THINGS, `${c.id}:thing`)}`;
    return c.location.city ? `${base} from ${c.location.city}` : base;
  }
}
