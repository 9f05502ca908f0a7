// Changes that hang off a contact: companies attached and detached, tags, and notes by admins
// (docs/intercom-api.md#attaching-contacts, docs/intercom-api.md#tags-and-segments,
// docs/intercom-api.md#notes). Each bumps the contact's updated_at; attaching also the company's.
import { ApiError, companyNotFound, contactNotFound } from './errors.js';
import type { ContactMutations, MutationDeps } from './contact-mutations.js';
import { asBody } from './input.js';
import type { CompanyRecord, NoteRecord, TagRecord } from './model.js';

/**
 * "Contact has reached the maximum of 1000 company associations" (docs/intercom-api.md#attaching-contacts).
 */
export const MAX_COMPANIES_PER_CONTACT = 1000;

export class LinkMutations {
  constructor(
    private readonly deps: MutationDeps,
    private readonly contacts: ContactMutations,
  ) {}

  attachCompany(contactId: string, raw: unknown): CompanyRecord {
    const { store } = this.deps;
    const contact = store.activeContact(contactId);
    if (!contact) throw contactNotFound();
    const companyId = asBody(raw).id;
    if (typeof companyId !== 'string' || companyId === '') {
      throw new ApiError(400, 'parameter_not_found', 'company not specified');
    }
    const company = store.liveCompany(companyId);
    if (!company) throw companyNotFound();
    if (contact.companyIds.includes(companyId)) return company;
    if (contact.companyIds.length >= MAX_COMPANIES_PER_CONTACT) {
      throw new ApiError(
        400,
        'contact_company_limit_exceeded',
        'Contact has reached the maximum of 1000 company associations',
      );
    }
    const next = this.contacts.replace(contact, { companyIds: [...contact.companyIds, companyId] });
    const touched = this.touchCompany(company);
    this.deps.emit({ kind: 'company.attached', company: touched, contact: next });
    return touched;
  }

  detachCompany(contactId: string, companyId: string): CompanyRecord {
    const { store } = this.deps;
    const contact = store.activeContact(contactId);
    if (!contact) throw contactNotFound();
    const company = store.liveCompany(companyId);
    if (!company || !contact.companyIds.includes(companyId)) throw companyNotFound();
    const next = this.contacts.replace(contact, {
      companyIds: contact.companyIds.filter((id) => id !== companyId),
    });
    const touched = this.touchCompany(company);
    this.deps.emit({ kind: 'company.detached', company: touched, contact: next });
    return touched;
  }

  tag(contactId: string, raw: unknown): TagRecord {
    const { store } = this.deps;
    const contact = store.activeContact(contactId);
    if (!contact) throw contactNotFound();
    const tagId = asBody(raw).id;
    if (typeof tagId !== 'string' || tagId === '')
      throw new ApiError(400, 'parameter_not_found', 'tag not specified');
    const tag = store.tags.get(tagId);
    if (!tag) throw new ApiError(404, 'not_found', 'Resource Not Found');
    if (contact.tagIds.includes(tagId)) return tag;
    const next = this.contacts.replace(contact, { tagIds: [...contact.tagIds, tagId] });
    this.deps.emit({ kind: 'contact.tagged', contact: next, tag });
    return tag;
  }

  untag(contactId: string, tagId: string): TagRecord {
    const { store } = this.deps;
    const contact = store.activeContact(contactId);
    if (!contact) throw contactNotFound();
    const tag = store.tags.get(tagId);
    if (!tag || !contact.tagIds.includes(tagId)) throw new ApiError(404, 'not_found', 'Resource Not Found');
    const next = this.contacts.replace(contact, { tagIds: contact.tagIds.filter((id) => id !== tagId) });
    this.deps.emit({ kind: 'contact.untagged', contact: next, tag });
    return tag;
  }

  /**
   * Notes have no webhook topic (docs/intercom-api.md#webhook-topics); the contact's update carries the
   * change.
   */
  addNote(contactId: string, raw: unknown): NoteRecord {
    const { store } = this.deps;
    const contact = store.activeContact(contactId);
    if (!contact) throw contactNotFound();
    const body = asBody(raw);
    if (typeof body.body !== 'string' || body.body === '')
      throw new ApiError(400, 'parameter_not_found', 'body not specified');
    const adminId = typeof body.admin_id === 'number' ? String(body.admin_id) : body.admin_id;
    if (typeof adminId !== 'string' || !store.admins.has(adminId)) {
      throw new ApiError(404, 'not_found', 'Resource Not Found');
    }
    const note: NoteRecord = {
      id: store.ids.numericId('note', 20_000_000),
      contactId,
      adminId,
      body: body.body,
      created_at: store.clock.now(),
    };
    store.putNote(note);
    const next = this.contacts.replace(contact, { noteIds: [...contact.noteIds, note.id] });
    this.deps.emit({ kind: 'note.created', note, contact: next });
    this.deps.emit({ kind: 'contact.updated', contact: next, previous: contact });
    return note;
  }

  /**
   * `POST /tags`, which does three things (docs/intercom-api.md#tags-and-segments): with `id`, renames
   * that tag; with `companies`, tags (or, per entry with `untag: true`, untags) those companies with
   * the tag of that name, creating it first; otherwise creates the tag, or answers the one with that
   * name. Every company is checked before anything changes.
   */
  createTag(raw: unknown): TagRecord {
    const { store } = this.deps;
    const body = asBody(raw);
    const name = body.name;
    if (typeof name !== 'string' || name.trim() === '')
      throw new ApiError(400, 'parameter_not_found', 'name not specified');
    if (body.id !== undefined) return this.renameTag(String(body.id), name);
    const targets = body.companies === undefined ? [] : this.companyTargets(body.companies);
    let tag = store.findTagByName(name);
    if (!tag) {
      tag = { id: store.ids.numericId('tag', 17_500), name };
      store.putTag(tag);
      this.deps.emit({ kind: 'tag.created', tag });
    }
    for (const { company, untag } of targets) {
      const has = company.tagIds.includes(tag.id);
      if (has !== untag) continue;
      const tagIds = untag ? company.tagIds.filter((id) => id !== tag.id) : [...company.tagIds, tag.id];
      const next = { ...company, tagIds, updated_at: store.clock.now() };
      store.putCompany(next);
      this.deps.emit({ kind: 'company.updated', company: next });
    }
    return tag;
  }

  /** `DELETE /tags/{id}`: the tag leaves every contact and company. */
  deleteTag(tagId: string): TagRecord {
    const { store } = this.deps;
    const tag = store.tags.get(tagId);
    if (!tag) throw new ApiError(404, 'not_found', 'Resource Not Found');
    store.tags.delete(tagId);
    for (const contact of [...store.contacts.values()]) {
      if (contact.tagIds.includes(tagId))
        store.putContact({ ...contact, tagIds: contact.tagIds.filter((id) => id !== tagId) });
    }
    for (const company of [...store.companies.values()]) {
      if (company.tagIds.includes(tagId))
        store.putCompany({ ...company, tagIds: company.tagIds.filter((id) => id !== tagId) });
    }
    return tag;
  }

  private renameTag(tagId: string, name: string): TagRecord {
    const { store } = this.deps;
    const tag = store.tags.get(tagId);
    if (!tag) throw new ApiError(404, 'not_found', 'Resource Not Found');
    const other = store.findTagByName(name);
    if (other && other.id !== tagId)
      throw new ApiError(400, 'parameter_invalid', `A tag named '${name}' already exists`);
    const next = { ...tag, name };
    store.putTag(next);
    return next;
  }

  private companyTargets(raw: unknown): Array<{ company: CompanyRecord; untag: boolean }> {
    if (!Array.isArray(raw)) throw new ApiError(400, 'parameter_invalid', 'companies must be a list');
    return raw.map((entry) => {
      const item = asBody(entry);
      const id = item.id;
      const company =
        typeof id === 'string'
          ? this.deps.store.liveCompany(id)
          : typeof item.company_id === 'string'
            ? this.deps.store.liveCompany(this.deps.store.companyByExternalId.get(item.company_id) ?? '')
            : undefined;
      if (!company) throw companyNotFound();
      return { company, untag: item.untag === true };
    });
  }

  private touchCompany(company: CompanyRecord): CompanyRecord {
    const next = { ...company, updated_at: this.deps.store.clock.now() };
    this.deps.store.putCompany(next);
    return next;
  }
}
