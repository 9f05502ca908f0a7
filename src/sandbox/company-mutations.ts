// Changes to companies: create-or-update keyed by `company_id` (the 2.2 way,
// docs/intercom-api.md#create-or-update-by-company_id),
// update by Intercom id for agent changes, and delete, which detaches the company's contacts.
import { ApiError, companyNotFound } from './errors.js';
import type { MutationDeps } from './contact-mutations.js';
import { asBody, mergeCustomAttributes, optionalInteger, optionalString, type Body } from './input.js';
import type { CompanyRecord } from './model.js';

const MAX_MONTHLY_SPEND = 2 ** 31 - 1;

export class CompanyMutations {
  constructor(private readonly deps: MutationDeps) {}

  /** `POST /companies`: found by company_id → updated, else created; company_id never changes. */
  upsert(raw: unknown): CompanyRecord {
    const { store } = this.deps;
    const body = asBody(raw);
    const companyId = optionalString(body, 'company_id');
    if (!companyId) throw new ApiError(400, 'parameter_not_found', 'company_id not specified');
    const existingId = store.companyByExternalId.get(companyId);
    const existing = existingId === undefined ? undefined : store.liveCompany(existingId);
    if (existing) return this.applyUpdate(existing, body);
    const now = store.clock.now();
    // Only company_id is required: a company created without a name stays nameless, as live.
    const company: CompanyRecord = {
      id: store.ids.objectId(now),
      company_id: companyId,
      name: null,
      plan: null,
      remote_created_at: null,
      created_at: now,
      updated_at: now,
      last_request_at: null,
      size: null,
      website: null,
      industry: null,
      monthly_spend: null,
      session_count: 0,
      custom_attributes: {},
      tagIds: [],
      segmentIds: [],
      deleted: false,
    };
    const created = { ...company, ...this.readFields(body, company) };
    store.putCompany(created);
    this.deps.emit({ kind: 'company.created', company: created });
    return created;
  }

  /** Agent edit by Intercom id (control endpoint); company_id is not changeable. */
  update(id: string, raw: unknown): CompanyRecord {
    const company = this.deps.store.liveCompany(id);
    if (!company) throw companyNotFound();
    return this.applyUpdate(company, asBody(raw));
  }

  /** Deleting detaches every contact; the API answers `{id, object, deleted: true}`. */
  delete(id: string): CompanyRecord {
    const { store } = this.deps;
    const company = store.liveCompany(id);
    if (!company) throw companyNotFound();
    const now = store.clock.now();
    for (const contactId of [...(store.companyContacts.get(id) ?? [])]) {
      const contact = store.contacts.get(contactId)!;
      store.putContact({
        ...contact,
        companyIds: contact.companyIds.filter((c) => c !== id),
        updated_at: now,
      });
    }
    const deleted = { ...company, deleted: true, updated_at: now };
    store.putCompany(deleted);
    this.deps.emit({ kind: 'company.deleted', company: deleted });
    return deleted;
  }

  private applyUpdate(company: CompanyRecord, body: Body): CompanyRecord {
    const next: CompanyRecord = {
      ...company,
      ...this.readFields(body, company),
      updated_at: this.deps.store.clock.now(),
    };
    this.deps.store.putCompany(next);
    this.deps.emit({ kind: 'company.updated', company: next });
    return next;
  }

  private readFields(body: Body, current: CompanyRecord): Partial<CompanyRecord> {
    const { store } = this.deps;
    const out: { -readonly [K in keyof CompanyRecord]?: CompanyRecord[K] } = {};
    const name = optionalString(body, 'name');
    if (name) out.name = name;
    for (const f of ['website', 'industry'] as const) {
      const v = optionalString(body, f);
      if (v !== undefined) out[f] = v;
    }
    for (const f of ['remote_created_at', 'size'] as const) {
      const v = optionalInteger(body, f);
      if (v !== undefined) out[f] = v;
    }
    // monthly_spend truncates floats and is capped at 2^31-1
    // (docs/intercom-api.md#create-or-update-by-company_id).
    const spend = optionalInteger(body, 'monthly_spend');
    if (spend !== undefined) {
      if (spend !== null && (spend < 0 || spend > MAX_MONTHLY_SPEND)) {
        throw new ApiError(400, 'parameter_invalid', 'monthly_spend must be between 0 and 2147483647');
      }
      out.monthly_spend = spend;
    }
    if (body.custom_attributes !== undefined) {
      out.custom_attributes = mergeCustomAttributes(
        current.custom_attributes,
        body.custom_attributes,
        store.companyAttributes,
      );
    }
    // Last: a new plan name is registered only once everything else is valid.
    const plan = optionalString(body, 'plan');
    if (plan !== undefined) {
      if (plan !== null && !store.plans.has(plan))
        store.plans.set(plan, { id: store.ids.numericId('plan', 33_570), name: plan });
      out.plan = plan;
    }
    return out;
  }
}
