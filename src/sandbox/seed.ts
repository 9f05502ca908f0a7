// Generates the starting workspace deterministically from a seed: admins, tags, segments,
// companies, contacts (users and leads, with the awkward cases) and notes.
import type { IdFactory } from './ids.js';
import type {
  AdminRecord,
  AttributeDefinition,
  CompanyRecord,
  ContactRecord,
  Location,
  NoteRecord,
  PlanRecord,
  SegmentRecord,
  TagRecord,
  TeamRecord,
} from './model.js';
import { buildPools } from './pools.js';
import { Prng } from './prng.js';
import {
  COMPANY_ATTRIBUTES,
  CONTACT_ATTRIBUTES,
  DAY,
  IMPORT_DAY,
  makeSegments,
  SEED_EPOCH,
} from './seed-catalog.js';

const SPAN = 5 * 365 * DAY;

export interface SeedData {
  readonly admins: AdminRecord[];
  readonly teams: TeamRecord[];
  readonly tags: TagRecord[];
  readonly plans: PlanRecord[];
  readonly segments: SegmentRecord[];
  readonly contactAttributes: AttributeDefinition[];
  readonly companyAttributes: AttributeDefinition[];
  readonly companies: CompanyRecord[];
  readonly contacts: ContactRecord[];
  readonly notes: NoteRecord[];
}

const UNICODE_TAGS = ['VIP ⭐', 'Bêta-testeur', '顧客', 'Überprüft', 'клиент'];
const BROWSERS = ['chrome', 'firefox', 'safari', 'edge', null] as const;
const OSES = ['OS X 10.15.7', 'Windows 10', 'Linux', 'iOS 17.1', 'Android 14', null] as const;
const LANGS = ['en', 'de', 'fr', 'es', 'ja', 'ru', 'zh-CN', 'pl'];

export interface SeedCounts {
  readonly contacts: number;
  readonly companies: number;
  /** Fraction of companies left without a name (a live quirk). */
  readonly nullCompanyNameRate?: number;
  /** Fraction of contacts whose embedded tags total counts more than their tag list holds. */
  readonly tagTotalMismatchRate?: number;
  /** Fraction of contacts created on IMPORT_DAY, between 09:00 and 11:00 UTC (a bulk import). */
  readonly importDayShare?: number;
}

export function generateSeed(seed: number, counts: SeedCounts, ids: IdFactory): SeedData {
  const rng = new Prng(seed);
  const pools = buildPools(seed);
  const start = SEED_EPOCH - SPAN;

  const admins: AdminRecord[] = Array.from({ length: 5 }, (_, i) => {
    const name = `${pools.firstNames[i]} ${pools.lastNames[i]}`;
    return {
      id: ids.numericId('admin', 990_000),
      name,
      email: `admin${i + 1}@sandbox.example`,
      job_title: pools.jobTitles[i]!,
    };
  });
  const tagNames = [...new Set([...UNICODE_TAGS, ...pools.words.slice(0, 35)])];
  const tags: TagRecord[] = tagNames.map((name) => ({ id: ids.numericId('tag', 17_500), name }));
  const plans: PlanRecord[] = ['free', 'starter', 'pro', 'enterprise'].map((name) => ({
    id: ids.numericId('plan', 33_570),
    name,
  }));
  const segments = makeSegments(ids, start);

  const companies: CompanyRecord[] = [];
  for (let i = 0; i < counts.companies; i++) {
    const created = Math.floor(start + ((i + rng.float()) * SPAN) / Math.max(1, counts.companies));
    const updated = created + Math.floor(rng.float() * (SEED_EPOCH - created));
    const poolName = pools.companyNames[i % pools.companyNames.length]!;
    const domain = rng.pick(pools.domains);
    companies.push({
      id: ids.objectId(created),
      company_id: `cmp-${i + 1}`,
      name:
        i < pools.companyNames.length
          ? poolName
          : `${poolName} ${Math.floor(i / pools.companyNames.length) + 1}`,
      plan: rng.chance(0.85) ? rng.pick(plans).name : null,
      remote_created_at: rng.chance(0.7) ? created - rng.int(0, 400 * DAY) : null,
      created_at: created,
      updated_at: updated,
      last_request_at: rng.chance(0.8) ? updated - rng.int(0, 30 * DAY) : null,
      size: rng.chance(0.8) ? rng.int(1, 5000) : null,
      website: rng.chance(0.8) ? `https://www.${domain}` : null,
      industry: rng.chance(0.7) ? rng.pick(pools.industries) : null,
      monthly_spend: rng.chance(0.75) ? rng.int(0, 20_000) : null,
      session_count: rng.int(0, 2000),
      custom_attributes: {
        tier: rng.chance(0.9) ? rng.pick(['bronze', 'silver', 'gold', 'platine ✨']) : null,
        employees_band: rng.int(1, 6),
        churn_risk: Math.round(rng.float() * 1000) / 1000,
        is_partner: rng.chance(0.1),
        renewal_at: rng.chance(0.6) ? SEED_EPOCH + rng.int(-200, 400) * DAY : null,
      },
      tagIds: rng.sample(tags, rng.int(0, 3)).map((t) => t.id),
      segmentIds: rng.sample(segments, rng.int(0, 2)).map((s) => s.id),
      deleted: false,
    });
  }

  const contacts: ContactRecord[] = [];
  const notes: NoteRecord[] = [];
  // Which contacts a bulk import created draws from its own stream, so every other value is drawn
  // as without it (only what follows from created_at moves).
  const imports = new Prng(seed ^ 0x1a9d);
  const importShare = counts.importDayShare ?? 0;
  const leadEmails: string[] = [];
  const companyIds = companies.map((c) => c.id);
  for (let i = 0; i < counts.contacts; i++) {
    const spread = Math.floor(start + ((i + rng.float()) * SPAN) / Math.max(1, counts.contacts));
    const imported = importShare > 0 && imports.chance(importShare);
    const created = imported ? IMPORT_DAY + 9 * 3600 + imports.int(0, 2 * 3600 - 1) : spread;
    const id = ids.objectId(created);
    const role = rng.chance(0.7) ? 'user' : 'lead';
    const [first, last] = rng.pick(pools.names);
    const name = rng.chance(0.04) ? null : `${first} ${last}`;
    let email: string | null = null;
    if (role === 'lead' && leadEmails.length > 0 && rng.chance(0.06)) {
      email = rng.pick(leadEmails); // Duplicate emails across leads are normal (docs/intercom-api.md#roles-and-leads).
    } else if (rng.chance(role === 'user' ? 0.92 : 0.6)) {
      const local = `${ascii(first) || 'contact'}.${ascii(last) || 'x'}${i}`;
      email = `${local}@${rng.pick(pools.domains)}`;
      if (role === 'lead') leadEmails.push(email);
    }
    // Leads get a UUID-like external_id from Intercom; users carry the customer's own id.
    let externalId: string | null = role === 'lead' ? rng.uuid() : rng.chance(0.85) ? `usr_${i + 1}` : null;
    if (role === 'user' && !email && !externalId) externalId = `usr_${i + 1}`;
    const activity = (p: number): number | null =>
      rng.chance(p) ? created + Math.floor(rng.float() * (SEED_EPOCH - created)) : null;
    const lastSeen = activity(0.85);
    const stamps = [
      lastSeen,
      activity(0.3), // replied
      activity(0.4), // contacted
      activity(0.3), // opened
      activity(0.15), // clicked
    ] as const;
    const latest = Math.max(created, ...stamps.map((s) => s ?? 0));
    const updated = Math.min(SEED_EPOCH, latest + Math.floor(rng.float() * 3 * DAY));
    const noteCount = rng.chance(0.01) ? rng.int(11, 14) : rng.chance(0.15) ? rng.int(1, 3) : 0;
    const noteIds: string[] = [];
    for (let n = 0; n < noteCount; n++) {
      const note: NoteRecord = {
        id: ids.numericId('note', 20_000_000),
        contactId: id,
        adminId: rng.pick(admins).id,
        body: `<p>${rng.pick(pools.sentences)}</p>`,
        created_at: created + Math.floor(rng.float() * (updated - created)),
      };
      notes.push(note);
      noteIds.push(note.id);
    }
    const location: Location = rng.chance(0.8) ? rng.pick(pools.cities) : NO_LOCATION;
    contacts.push({
      id,
      role,
      external_id: externalId,
      email,
      phone: rng.chance(0.3) ? `+1${rng.int(200, 999)}${rng.int(1_000_000, 9_999_999)}` : null,
      name,
      avatar: rng.chance(0.2) ? `https://example.org/avatars/${id}.png` : null,
      owner_id: rng.chance(0.3) ? Number(rng.pick(admins).id) : null,
      social_profiles: rng.chance(0.1)
        ? [{ name: 'Twitter', url: `https://twitter.com/${ascii(first) || 'user'}${i}` }]
        : [],
      has_hard_bounced: rng.chance(0.02),
      marked_email_as_spam: rng.chance(0.01),
      unsubscribed_from_emails: rng.chance(0.1),
      created_at: created,
      updated_at: updated,
      signed_up_at: role === 'user' && rng.chance(0.8) ? created + rng.int(0, DAY) : null,
      last_seen_at: stamps[0],
      last_replied_at: stamps[1],
      last_contacted_at: stamps[2],
      last_email_opened_at: stamps[3],
      last_email_clicked_at: stamps[4],
      language_override: rng.chance(0.05) ? rng.pick(LANGS) : null,
      browser: rng.pick(BROWSERS),
      browser_version: rng.chance(0.5)
        ? `${rng.int(80, 125)}.0.${rng.int(1000, 6000)}.${rng.int(1, 200)}`
        : null,
      browser_language: rng.chance(0.7) ? rng.pick(LANGS) : null,
      os: rng.pick(OSES),
      location,
      mobile: rng.chance(0.05)
        ? rng.chance(0.5)
          ? {
              android_app_name: 'Sandbox',
              android_app_version: `3.${rng.int(0, 9)}`,
              android_device: 'Pixel 8',
              android_os_version: '14',
              android_sdk_version: '34',
              android_last_seen_at: lastSeen,
            }
          : {
              ios_app_name: 'Sandbox',
              ios_app_version: `3.${rng.int(0, 9)}`,
              ios_device: 'iPhone15,2',
              ios_os_version: '17.1',
              ios_sdk_version: '15.0',
              ios_last_seen_at: lastSeen,
            }
        : null,
      custom_attributes: {
        plan_tier: rng.chance(0.9) ? rng.pick(['free', 'pro', 'enterprise']) : null,
        nickname: rng.chance(0.3) ? rng.pick(pools.firstNames) : null,
        seats: rng.int(0, 500),
        mrr: Math.round(rng.float() * 100_000) / 100,
        is_vip: rng.chance(0.05),
        trial_ends_at: rng.chance(0.4) ? created + rng.int(7, 30) * DAY : null,
      },
      tagIds: rng.sample(tags, tagCount(rng)).map((t) => t.id),
      companyIds: rng.sample(companyIds, companyCount(rng)),
      noteIds,
      state: 'active',
      mergedInto: null,
    });
  }
  // The quirks draw from their own stream, so turning them on leaves every other seeded value as it was.
  const quirks = new Prng(seed ^ 0x71c3);
  const nullName = counts.nullCompanyNameRate ?? 0;
  const mismatch = counts.tagTotalMismatchRate ?? 0;
  return {
    admins,
    teams: makeTeams(admins, ids),
    tags,
    plans,
    segments,
    contactAttributes: CONTACT_ATTRIBUTES,
    companyAttributes: COMPANY_ATTRIBUTES,
    companies: companies.map((c) => (quirks.chance(nullName) ? { ...c, name: null } : c)),
    contacts: contacts.map((c) => (quirks.chance(mismatch) ? { ...c, tagTotalExtra: quirks.int(1, 4) } : c)),
    notes,
  };
}

/** Two teams over the admins, drawn from no random stream, so every other seeded value stays as it was. */
function makeTeams(admins: readonly AdminRecord[], ids: IdFactory): TeamRecord[] {
  return [
    { id: ids.numericId('team', 5_000), name: 'Support', adminIds: admins.slice(0, 3).map((a) => a.id) },
    { id: ids.numericId('team', 5_000), name: 'Sales', adminIds: admins.slice(2).map((a) => a.id) },
  ];
}

const NO_LOCATION: Location = { country: null, region: null, city: null };

/** 0–15 tags, skewed low, with a tail past the 10 a contact embeds (docs/intercom-api.md#lists-cut-at-10). */
function tagCount(rng: Prng): number {
  const r = rng.float();
  return r < 0.55 ? 0 : r < 0.85 ? rng.int(1, 3) : r < 0.95 ? rng.int(4, 10) : rng.int(11, 15);
}

function companyCount(rng: Prng): number {
  const r = rng.float();
  return r < 0.35 ? 0 : r < 0.85 ? 1 : r < 0.95 ? rng.int(2, 5) : r < 0.98 ? rng.int(6, 10) : rng.int(11, 15);
}

function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}
