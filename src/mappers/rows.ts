// The rows the mappers produce for the mirror tables: API names, Dates for UNIX seconds, jsonb as is.
import type { JsonValue } from '../json.js';

/** A JSON object as stored in a jsonb column. */
export type JsonObject = { readonly [key: string]: JsonValue | undefined };

export interface ContactRow {
  readonly intercom_id: string;
  readonly workspace_id: string | null;
  readonly external_id: string | null;
  readonly role: 'user' | 'lead';
  readonly email: string | null;
  readonly phone: string | null;
  readonly name: string | null;
  readonly avatar: string | null;
  readonly owner_id: number | null;
  readonly social_profiles: JsonObject | null;
  readonly has_hard_bounced: boolean | null;
  readonly marked_email_as_spam: boolean | null;
  readonly unsubscribed_from_emails: boolean | null;
  readonly language_override: string | null;
  readonly browser: string | null;
  readonly browser_version: string | null;
  readonly browser_language: string | null;
  readonly os: string | null;
  readonly location: JsonObject | null;
  readonly custom_attributes: JsonObject;
  readonly created_at: Date | null;
  readonly updated_at: Date | null;
  readonly signed_up_at: Date | null;
  readonly last_seen_at: Date | null;
  readonly last_replied_at: Date | null;
  readonly last_contacted_at: Date | null;
  readonly last_email_opened_at: Date | null;
  readonly last_email_clicked_at: Date | null;
  /** null when the payload does not say (2.2 contact objects carry no `archived`): keep what is stored. */
  readonly archived: boolean | null;
  readonly raw: JsonObject;
  /** Digest of `raw` and this mapping (contentHash): equal digests mean an equal row. */
  readonly content_hash: string;
}

export interface CompanyRow {
  readonly intercom_id: string;
  readonly company_id: string | null;
  readonly app_id: string | null;
  readonly name: string | null;
  /** The plan's name: responses carry `{type,id,name}`, requests a plain string (notes §6). */
  readonly plan: string | null;
  readonly size: number | null;
  readonly website: string | null;
  readonly industry: string | null;
  readonly monthly_spend: number | null;
  readonly session_count: number | null;
  readonly user_count: number | null;
  readonly custom_attributes: JsonObject;
  readonly remote_created_at: Date | null;
  readonly created_at: Date | null;
  readonly updated_at: Date | null;
  readonly last_request_at: Date | null;
  readonly raw: JsonObject;
  /** Digest of `raw` and this mapping (contentHash): equal digests mean an equal row. */
  readonly content_hash: string;
}

export interface TagRow {
  readonly intercom_id: string;
  readonly name: string;
  readonly raw: JsonObject;
}

export interface SegmentRow {
  readonly intercom_id: string;
  readonly name: string;
  readonly person_type: string | null;
  readonly count: number | null;
  readonly created_at: Date | null;
  readonly updated_at: Date | null;
  readonly raw: JsonObject;
}

/** A note keyed by its contact's Intercom id; the db layer resolves the local contact id. */
export interface NoteRow {
  readonly intercom_id: string;
  readonly contact_intercom_id: string;
  readonly author_id: string | null;
  readonly body: string;
  readonly created_at: Date | null;
  readonly raw: JsonObject;
}

/** One entry of an embedded or listed collection: a tag, company or segment by Intercom id. */
export interface Reference {
  readonly intercomId: string;
  /** Known when the list carries full objects (a company's tags); embedded `{type,id,url}` do not. */
  readonly name: string | null;
}

/**
 * A nested list as a contact or company carries it. Intercom embeds at most 10 entries
 * (design "Data flows"), so `complete` says whether `refs` is the whole set.
 */
export interface ReferenceList {
  readonly refs: readonly Reference[];
  readonly complete: boolean;
  readonly totalCount: number | null;
}
