// The workspace held in memory: records by id, the links between them, and the indexes that
// make list pages and search fast. It validates nothing; contact-mutations.ts, company-mutations.ts and
// link-mutations.ts decide what may change.
import type { Clock } from './clock.js';
import type { IdFactory } from './ids.js';
import type {
  AdminRecord,
  AttributeDefinition,
  CompanyRecord,
  ContactRecord,
  NoteRecord,
  PlanRecord,
  SegmentRecord,
  TagRecord,
  TeamRecord,
} from './model.js';
import { SearchIndex } from './search-index.js';
import type { SeedData } from './seed.js';
import { SortedIndex } from './sorted-index.js';

export interface StoreDeps {
  readonly appId: string;
  readonly ids: IdFactory;
  readonly clock: Clock;
  /** Current search lag in milliseconds (a runtime setting). */
  readonly searchLagMs: () => number;
}

export class Store {
  readonly appId: string;
  readonly ids: IdFactory;
  readonly clock: Clock;
  readonly contacts = new Map<string, ContactRecord>();
  readonly companies = new Map<string, CompanyRecord>();
  readonly notes = new Map<string, NoteRecord>();
  readonly tags = new Map<string, TagRecord>();
  readonly admins = new Map<string, AdminRecord>();
  readonly teams = new Map<string, TeamRecord>();
  readonly segments = new Map<string, SegmentRecord>();
  readonly plans = new Map<string, PlanRecord>();
  readonly contactAttributes = new Map<string, AttributeDefinition>();
  readonly companyAttributes = new Map<string, AttributeDefinition>();
  /**
   * company_id (the customer's key) → Intercom id, for create-or-update
   * (docs/intercom-api.md#create-or-update-by-company_id).
   */
  readonly companyByExternalId = new Map<string, string>();
  /** Intercom company id → ids of contacts attached to it. */
  readonly companyContacts = new Map<string, Set<string>>();
  /**
   * Users by external_id and by lower-cased email, for the create conflict
   * (docs/intercom-api.md#create-conflicts, docs/intercom-api.md#identity).
   */
  readonly usersByExternalId = new Map<string, string>();
  readonly usersByEmail = new Map<string, Set<string>>();
  /** Active contacts by (created_at, id): the order of `GET /contacts`. */
  readonly listIndex = new SortedIndex();
  readonly searchIndex = new SearchIndex();
  private readonly searchLagMs: () => number;
  private active = 0;

  constructor(deps: StoreDeps) {
    this.appId = deps.appId;
    this.ids = deps.ids;
    this.clock = deps.clock;
    this.searchLagMs = deps.searchLagMs;
  }

  /** Bulk load: one sort per index instead of one insertion per record. */
  load(seed: SeedData): void {
    for (const a of seed.admins) this.admins.set(a.id, a);
    for (const t of seed.teams) this.teams.set(t.id, t);
    for (const t of seed.tags) this.tags.set(t.id, t);
    for (const p of seed.plans) this.plans.set(p.name, p);
    for (const s of seed.segments) this.segments.set(s.id, s);
    for (const d of seed.contactAttributes) this.contactAttributes.set(d.name, d);
    for (const d of seed.companyAttributes) this.companyAttributes.set(d.name, d);
    for (const c of seed.companies) this.putCompany(c);
    for (const n of seed.notes) this.notes.set(n.id, n);
    const listEntries = [];
    for (const c of seed.contacts) {
      this.contacts.set(c.id, c);
      for (const companyId of c.companyIds) this.linkSet(companyId).add(c.id);
      this.indexUser(c, true);
      listEntries.push({ v: c.created_at, id: c.id });
    }
    this.active = seed.contacts.length;
    this.listIndex.load(listEntries);
    this.searchIndex.load(seed.contacts);
  }

  get activeContactCount(): number {
    return this.active;
  }

  /**
   * The contact if it is active: archived, deleted and merged contacts answer 404
   * (docs/intercom-api.md#archive-delete-merge).
   */
  activeContact(id: string): ContactRecord | undefined {
    const c = this.contacts.get(id);
    return c && c.state === 'active' ? c : undefined;
  }

  liveCompany(id: string): CompanyRecord | undefined {
    const c = this.companies.get(id);
    return c && !c.deleted ? c : undefined;
  }

  /** Stores a new version of a contact and updates every index and link it touches. */
  putContact(next: ContactRecord): void {
    const prev = this.contacts.get(next.id);
    if (prev) this.indexUser(prev, false);
    this.contacts.set(next.id, next);
    this.indexUser(next, true);
    const wasActive = prev?.state === 'active';
    const isActive = next.state === 'active';
    if (wasActive) this.listIndex.remove(prev.created_at, prev.id);
    if (isActive) this.listIndex.insert(next.created_at, next.id);
    this.active += Number(isActive) - Number(wasActive);
    const linked = next.state === 'active' || next.state === 'archived';
    for (const companyId of prev?.companyIds ?? []) this.companyContacts.get(companyId)?.delete(next.id);
    if (linked) for (const companyId of next.companyIds) this.linkSet(companyId).add(next.id);
    this.searchIndex.stage(next.id, isActive ? next : null, this.clock.nowMs(), this.searchLagMs());
  }

  putCompany(next: CompanyRecord): void {
    this.companies.set(next.id, next);
    if (next.company_id !== null) {
      if (next.deleted) this.companyByExternalId.delete(next.company_id);
      else this.companyByExternalId.set(next.company_id, next.id);
    }
  }

  putNote(note: NoteRecord): void {
    this.notes.set(note.id, note);
  }

  putTag(tag: TagRecord): void {
    this.tags.set(tag.id, tag);
  }

  /** The teams admin `adminId` belongs to, by id. */
  teamIdsOf(adminId: string): string[] {
    return [...this.teams.values()].filter((t) => t.adminIds.includes(adminId)).map((t) => t.id);
  }

  /** Active contacts attached to a company, in (created_at, id) order. */
  contactsOfCompany(companyId: string): ContactRecord[] {
    const out: ContactRecord[] = [];
    for (const id of this.companyContacts.get(companyId) ?? []) {
      const c = this.contacts.get(id);
      if (c && c.state === 'active') out.push(c);
    }
    return out.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  }

  userCount(companyId: string): number {
    return this.companyContacts.get(companyId)?.size ?? 0;
  }

  findTagByName(name: string): TagRecord | undefined {
    for (const t of this.tags.values()) if (t.name === name) return t;
    return undefined;
  }

  /** Users keep blocking re-creation when archived or deleted; merged-away ones do not. */
  private indexUser(c: ContactRecord, add: boolean): void {
    if (c.role !== 'user' || c.state === 'merged') return;
    if (c.external_id !== null) {
      if (add) this.usersByExternalId.set(c.external_id, c.id);
      else if (this.usersByExternalId.get(c.external_id) === c.id)
        this.usersByExternalId.delete(c.external_id);
    }
    if (c.email !== null) {
      const key = c.email.toLowerCase();
      let set = this.usersByEmail.get(key);
      if (add) {
        if (!set) this.usersByEmail.set(key, (set = new Set()));
        set.add(c.id);
      } else {
        set?.delete(c.id);
        if (set?.size === 0) this.usersByEmail.delete(key);
      }
    }
  }

  private linkSet(companyId: string): Set<string> {
    let set = this.companyContacts.get(companyId);
    if (!set) this.companyContacts.set(companyId, (set = new Set()));
    return set;
  }
}
