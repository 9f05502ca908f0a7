// Renders store records as REST API JSON (Intercom 2.2 shapes, live quirks by default), including
// the nested lists that embed at most 10 entries with `has_more` and a `url` for the rest
// (docs/intercom-api.md#companies). Webhook items have their own shapes (webhook-items.ts).
import type {
  AdminRecord,
  CompanyRecord,
  ContactRecord,
  NoteRecord,
  SegmentRecord,
  TagRecord,
} from './model.js';
import type { Store } from './store.js';

/** Nested lists on a contact carry at most this many entries. */
export const EMBEDDED_LIMIT = 10;

/** Which answers to play: what live workspaces send, or what the 2.2 spec says (`--spec-literal`). */
export type RestShape = 'live' | 'spec';

export const MOBILE_KEYS = [
  'android_app_name',
  'android_app_version',
  'android_device',
  'android_os_version',
  'android_sdk_version',
  'android_last_seen_at',
  'ios_app_name',
  'ios_app_version',
  'ios_device',
  'ios_os_version',
  'ios_sdk_version',
  'ios_last_seen_at',
] as const;

/** An embedded list; `uncounted` entries are counted in `total_count` but never listed. */
export function addressable(
  type: string,
  ids: readonly string[],
  base: string,
  listUrl: string,
  uncounted = 0,
) {
  const data = ids.slice(0, EMBEDDED_LIMIT).map((id) => ({ type, id, url: `/${base}/${id}` }));
  const total = ids.length + uncounted;
  return { type: 'list', data, url: listUrl, total_count: total, has_more: total > data.length };
}

export function renderContact(c: ContactRecord, workspaceId: string): Record<string, unknown> {
  const mobile = Object.fromEntries(MOBILE_KEYS.map((k) => [k, c.mobile?.[k] ?? null]));
  return {
    type: 'contact',
    id: c.id,
    workspace_id: workspaceId,
    external_id: c.external_id,
    role: c.role,
    email: c.email,
    phone: c.phone,
    name: c.name,
    avatar: c.avatar,
    owner_id: c.owner_id,
    social_profiles: { type: 'list', data: c.social_profiles.map((p) => ({ type: 'social_profile', ...p })) },
    has_hard_bounced: c.has_hard_bounced,
    marked_email_as_spam: c.marked_email_as_spam,
    unsubscribed_from_emails: c.unsubscribed_from_emails,
    created_at: c.created_at,
    updated_at: c.updated_at,
    signed_up_at: c.signed_up_at,
    last_seen_at: c.last_seen_at,
    last_replied_at: c.last_replied_at,
    last_contacted_at: c.last_contacted_at,
    last_email_opened_at: c.last_email_opened_at,
    last_email_clicked_at: c.last_email_clicked_at,
    language_override: c.language_override,
    browser: c.browser,
    browser_version: c.browser_version,
    browser_language: c.browser_language,
    os: c.os,
    location: { type: 'location', ...c.location },
    ...mobile,
    custom_attributes: { ...c.custom_attributes },
    tags: addressable('tag', c.tagIds, 'tags', `/contacts/${c.id}/tags`, c.tagTotalExtra),
    // Newest notes first, as the notes list orders them.
    notes: addressable('note', [...c.noteIds].reverse(), 'notes', `/contacts/${c.id}/notes`),
    companies: addressable('company', c.companyIds, 'companies', `/contacts/${c.id}/companies`),
  };
}

export function renderTag(t: TagRecord): Record<string, unknown> {
  return { type: 'tag', id: t.id, name: t.name };
}

/** The tags with these ids, skipping any id the store no longer has. */
export function renderTags(ids: readonly string[], store: Store): Record<string, unknown>[] {
  return ids.flatMap((id) => {
    const tag = store.tags.get(id);
    return tag ? [renderTag(tag)] : [];
  });
}

export function renderSegment(s: SegmentRecord, count?: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'segment',
    id: s.id,
    name: s.name,
    created_at: s.created_at,
    updated_at: s.updated_at,
    person_type: s.person_type,
  };
  if (count !== undefined) out.count = count;
  return out;
}

/** The segments with these ids, skipping any id the store no longer has. */
export function renderSegments(ids: readonly string[], store: Store): Record<string, unknown>[] {
  return ids.flatMap((id) => {
    const segment = store.segments.get(id);
    return segment ? [renderSegment(segment)] : [];
  });
}

export function renderAdmin(a: AdminRecord, teamIds: readonly string[] = []): Record<string, unknown> {
  return {
    type: 'admin',
    id: a.id,
    name: a.name,
    email: a.email,
    job_title: a.job_title,
    away_mode_enabled: false,
    away_mode_reassign: false,
    has_inbox_seat: true,
    team_ids: teamIds.map(Number),
  };
}

export function renderCompany(
  c: CompanyRecord,
  store: Store,
  shape: RestShape = 'live',
): Record<string, unknown> {
  const plan = c.plan === null ? undefined : store.plans.get(c.plan);
  const out: Record<string, unknown> = {
    type: 'company',
    id: c.id,
    name: c.name,
    app_id: store.appId,
    company_id: c.company_id,
    remote_created_at: c.remote_created_at,
    created_at: c.created_at,
    updated_at: c.updated_at,
    last_request_at: c.last_request_at,
    size: c.size,
    website: c.website,
    industry: c.industry,
    monthly_spend: c.monthly_spend,
    session_count: c.session_count,
    user_count: store.userCount(c.id),
    custom_attributes: { ...c.custom_attributes },
    tags: { type: 'tag.list', tags: renderTags(c.tagIds, store) },
    segments: { type: 'segment.list', segments: renderSegments(c.segmentIds, store) },
  };
  // A company without a plan answers `plan: {}` live; the spec's Plan object has required
  // fields and is not nullable, so spec mode leaves the key out.
  if (plan) out.plan = { type: 'plan', id: plan.id, name: plan.name };
  else if (shape === 'live') out.plan = {};
  return out;
}

export function renderNote(n: NoteRecord, store: Store): Record<string, unknown> {
  const admin = store.admins.get(n.adminId);
  const out: Record<string, unknown> = {
    type: 'note',
    id: n.id,
    created_at: n.created_at,
    body: n.body,
    user: { type: 'user', id: n.contactId },
  };
  if (admin) out.author = renderAdmin(admin, store.teamIdsOf(admin.id));
  return out;
}
