// The sandbox's internal records: what the store holds, before rendering to API shapes.
// Records are replaced, never mutated, so a search-index snapshot can share them safely.

export type ContactState = 'active' | 'archived' | 'deleted' | 'merged';
export type Role = 'user' | 'lead';

export interface Location {
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
}

/** Mobile SDK fields, absent for most contacts (rendered as nulls) to keep 100k contacts small. */
export interface MobileFields {
  readonly android_app_name?: string | null;
  readonly android_app_version?: string | null;
  readonly android_device?: string | null;
  readonly android_os_version?: string | null;
  readonly android_sdk_version?: string | null;
  readonly android_last_seen_at?: number | null;
  readonly ios_app_name?: string | null;
  readonly ios_app_version?: string | null;
  readonly ios_device?: string | null;
  readonly ios_os_version?: string | null;
  readonly ios_sdk_version?: string | null;
  readonly ios_last_seen_at?: number | null;
}

export interface ContactRecord {
  readonly id: string;
  readonly role: Role;
  readonly external_id: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly name: string | null;
  readonly avatar: string | null;
  readonly owner_id: number | null;
  readonly social_profiles: ReadonlyArray<{ readonly name: string; readonly url: string }>;
  readonly has_hard_bounced: boolean;
  readonly marked_email_as_spam: boolean;
  readonly unsubscribed_from_emails: boolean;
  readonly created_at: number;
  readonly updated_at: number;
  readonly signed_up_at: number | null;
  readonly last_seen_at: number | null;
  readonly last_replied_at: number | null;
  readonly last_contacted_at: number | null;
  readonly last_email_opened_at: number | null;
  readonly last_email_clicked_at: number | null;
  readonly language_override: string | null;
  readonly browser: string | null;
  readonly browser_version: string | null;
  readonly browser_language: string | null;
  readonly os: string | null;
  readonly location: Location;
  readonly mobile: MobileFields | null;
  readonly custom_attributes: Readonly<Record<string, string | number | boolean | null>>;
  readonly tagIds: readonly string[];
  readonly companyIds: readonly string[];
  readonly noteIds: readonly string[];
  readonly state: ContactState;
  readonly mergedInto: string | null;
  /**
   * Tags the embedded `tags.total_count` counts beyond those `/contacts/{id}/tags` lists: live
   * contacts were seen embedding 14 while the list endpoint gave 11 (docs/intercom-api.md#webhooks).
   */
  readonly tagTotalExtra?: number;
}

export interface CompanyRecord {
  readonly id: string;
  readonly company_id: string | null;
  /** Live companies can be nameless (created by an attach, or without a name). */
  readonly name: string | null;
  readonly plan: string | null;
  readonly remote_created_at: number | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly last_request_at: number | null;
  readonly size: number | null;
  readonly website: string | null;
  readonly industry: string | null;
  readonly monthly_spend: number | null;
  readonly session_count: number;
  readonly custom_attributes: Readonly<Record<string, string | number | boolean | null>>;
  readonly tagIds: readonly string[];
  readonly segmentIds: readonly string[];
  readonly deleted: boolean;
}

export interface NoteRecord {
  readonly id: string;
  readonly contactId: string;
  readonly adminId: string;
  readonly body: string;
  readonly created_at: number;
}

export interface TagRecord {
  readonly id: string;
  readonly name: string;
}

export interface AdminRecord {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly job_title: string;
}

/** A team of admins (`GET /teams`); an admin's `team_ids` are derived from these. */
export interface TeamRecord {
  readonly id: string;
  readonly name: string;
  readonly adminIds: readonly string[];
}

export interface PlanRecord {
  readonly id: string;
  readonly name: string;
}

/** Segments are rules over contacts, like Intercom's, written in the search filter language. */
export interface SegmentRecord {
  readonly id: string;
  readonly name: string;
  readonly person_type: Role;
  readonly created_at: number;
  readonly updated_at: number;
  readonly rule: unknown;
}

export type AttributeType = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'datetime';

/** A custom data attribute; contacts and companies may only write attributes defined here. */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  /** Set for attributes created through `POST /data_attributes`; seeded ones have a fixed id. */
  readonly id?: number;
  readonly description?: string;
  readonly created_at?: number;
}
