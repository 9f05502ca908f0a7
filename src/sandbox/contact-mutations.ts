// Changes to contacts with the live rules: who may be created, the 409 conflict with `id=`,
// user→lead refused, archive/unarchive/delete/merge and their 404s (docs/intercom-api.md#create-conflicts,
// docs/intercom-api.md#roles-and-leads, docs/intercom-api.md#archive-delete-merge).
// Every rule is checked before anything is stored, so a refused change applies nothing.
import { randomUUID } from 'node:crypto';
import { ApiError, contactNotFound } from './errors.js';
import type { ChangeSink } from './events.js';
import {
  asBody,
  checkEmail,
  mergeCustomAttributes,
  optionalBoolean,
  optionalInteger,
  optionalString,
  type Body,
} from './input.js';
import type { ContactRecord, Role } from './model.js';
import type { Store } from './store.js';

export interface MutationDeps {
  readonly store: Store;
  readonly emit: ChangeSink;
  /** 409 live; the spec documents 400 (`--spec-literal`). */
  readonly conflictStatus: () => number;
}

const STRING_FIELDS = ['email', 'phone', 'name', 'avatar'] as const;
const TIME_FIELDS = ['last_seen_at', 'signed_up_at'] as const;

export class ContactMutations {
  constructor(private readonly deps: MutationDeps) {}

  create(raw: unknown): ContactRecord {
    const { store } = this.deps;
    const body = asBody(raw);
    const role = parseRole(body.role) ?? 'user';
    const email = optionalString(body, 'email') ?? null;
    checkEmail(email);
    let externalId = optionalString(body, 'external_id') ?? null;
    if (role === 'user') {
      requireIdentity(email, externalId);
      this.checkConflict(externalId, email, null);
    } else {
      // A lead created with an external_id ignores it; Intercom assigns a UUID
      // (docs/intercom-api.md#roles-and-leads).
      externalId = randomUUID();
    }
    const now = store.clock.now();
    const fields = this.readFields(body);
    const contact: ContactRecord = {
      id: store.ids.objectId(now),
      role,
      external_id: externalId,
      email,
      phone: fields.phone ?? null,
      name: fields.name ?? null,
      avatar: fields.avatar ?? null,
      owner_id: fields.owner_id ?? null,
      social_profiles: [],
      has_hard_bounced: false,
      marked_email_as_spam: false,
      unsubscribed_from_emails: fields.unsubscribed_from_emails ?? false,
      created_at: now,
      updated_at: now,
      signed_up_at: fields.signed_up_at ?? null,
      last_seen_at: fields.last_seen_at ?? null,
      last_replied_at: null,
      last_contacted_at: null,
      last_email_opened_at: null,
      last_email_clicked_at: null,
      language_override: null,
      browser: null,
      browser_version: null,
      browser_language: null,
      os: null,
      location: { country: null, region: null, city: null },
      mobile: null,
      custom_attributes: mergeCustomAttributes({}, body.custom_attributes, store.contactAttributes),
      tagIds: [],
      companyIds: [],
      noteIds: [],
      state: 'active',
      mergedInto: null,
    };
    store.putContact(contact);
    this.deps.emit({ kind: 'contact.created', contact });
    return contact;
  }

  update(id: string, raw: unknown): ContactRecord {
    const { store } = this.deps;
    const current = store.activeContact(id);
    if (!current) throw contactNotFound();
    const body = asBody(raw);
    const role = parseRole(body.role) ?? current.role;
    if (current.role === 'user' && role === 'lead') {
      throw new ApiError(400, 'client_error', "Contact with user role can't be converted to a lead");
    }
    const fields = this.readFields(body);
    const email = fields.email === undefined ? current.email : fields.email;
    checkEmail(email);
    let externalId = current.external_id;
    const requested = optionalString(body, 'external_id');
    // A lead keeps its assigned external_id until it becomes a user (docs/intercom-api.md#roles-and-leads).
    if (requested !== undefined && role === 'user') externalId = requested;
    if (role === 'user') {
      requireIdentity(email, externalId);
      if (externalId !== null && externalId !== current.external_id) this.checkConflict(externalId, null, id);
    }
    const next: ContactRecord = {
      ...current,
      ...definedOnly(fields),
      role,
      email,
      external_id: externalId,
      custom_attributes: mergeCustomAttributes(
        current.custom_attributes,
        body.custom_attributes,
        store.contactAttributes,
      ),
      signed_up_at:
        current.role === 'lead' && role === 'user'
          ? (fields.signed_up_at ?? store.clock.now())
          : fields.signed_up_at === undefined
            ? current.signed_up_at
            : fields.signed_up_at,
      updated_at: store.clock.now(),
    };
    store.putContact(next);
    if (current.role === 'lead' && role === 'user')
      this.deps.emit({ kind: 'contact.signed_up', contact: next });
    this.deps.emit({ kind: 'contact.updated', contact: next, previous: current });
    return next;
  }

  archive(id: string): ContactRecord {
    const current = this.deps.store.activeContact(id);
    if (!current) throw contactNotFound();
    const next = this.replace(current, { state: 'archived' });
    this.deps.emit({ kind: 'contact.archived', contact: next });
    return next;
  }

  unarchive(id: string): ContactRecord {
    const current = this.deps.store.contacts.get(id);
    if (!current || current.state === 'merged') throw contactNotFound();
    // Live answers a deleted contact's unarchive with this 400 (docs/intercom-api.md#errors); an
    // older capture saw a bare 500 for the same call, which faultRate still plays.
    if (current.state === 'deleted') {
      throw new ApiError(
        400,
        'bad_request',
        'User has been marked for permanent deletion and is not restorable.',
      );
    }
    if (current.state === 'active') return current;
    const next = this.replace(current, { state: 'active' });
    this.deps.emit({ kind: 'contact.unarchived', contact: next });
    return next;
  }

  delete(id: string): ContactRecord {
    const current = this.deps.store.contacts.get(id);
    if (!current || (current.state !== 'active' && current.state !== 'archived')) throw contactNotFound();
    const next = this.replace(current, { state: 'deleted' });
    this.deps.emit({ kind: 'contact.deleted', contact: next });
    return next;
  }

  /**
   * Lead into user only; the lead disappears from get, list and search
   * (docs/intercom-api.md#archive-delete-merge).
   */
  merge(raw: unknown): ContactRecord {
    const { store } = this.deps;
    const body = asBody(raw);
    if (typeof body.from !== 'string' || typeof body.into !== 'string') {
      throw new ApiError(400, 'parameter_not_found', 'from and into are required');
    }
    const from = store.activeContact(body.from);
    const into = store.activeContact(body.into);
    if (!from || !into) throw contactNotFound();
    if (from.role !== 'lead' || into.role !== 'user') {
      throw new ApiError(400, 'invalid_merge', 'Merging can only be performed on a lead into a user');
    }
    const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
    const custom = { ...into.custom_attributes };
    for (const [k, v] of Object.entries(from.custom_attributes)) if (custom[k] == null) custom[k] = v;
    for (const noteId of from.noteIds) {
      const note = store.notes.get(noteId);
      if (note) store.putNote({ ...note, contactId: into.id });
    }
    this.replace(from, { state: 'merged', mergedInto: into.id });
    const merged = this.replace(into, {
      email: into.email ?? from.email,
      phone: into.phone ?? from.phone,
      name: into.name ?? from.name,
      custom_attributes: custom,
      tagIds: union(into.tagIds, from.tagIds),
      companyIds: union(into.companyIds, from.companyIds),
      noteIds: union(into.noteIds, from.noteIds),
    });
    this.deps.emit({ kind: 'contact.merged', contact: merged, from });
    return merged;
  }

  /** Stores a changed copy with `updated_at` bumped: every mutation bumps it. */
  replace(current: ContactRecord, patch: Partial<ContactRecord>): ContactRecord {
    const next: ContactRecord = { ...current, ...patch, updated_at: this.deps.store.clock.now() };
    this.deps.store.putContact(next);
    return next;
  }

  private checkConflict(externalId: string | null, email: string | null, self: string | null): void {
    const { store } = this.deps;
    let match: string | undefined;
    // Identity precedence: external_id, then email (docs/intercom-api.md#identity); same email with a
    // different external_id is a different user.
    if (externalId !== null) match = store.usersByExternalId.get(externalId);
    else if (email !== null) match = [...(store.usersByEmail.get(email.toLowerCase()) ?? [])][0];
    if (match === undefined || match === self) return;
    const existing = store.contacts.get(match)!;
    const archived = existing.state !== 'active';
    throw new ApiError(
      this.deps.conflictStatus(),
      'conflict',
      `${archived ? 'An archived contact' : 'A contact'} matching those details already exists with id=${existing.id}`,
    );
  }

  private readFields(body: Body) {
    const out: Partial<Record<(typeof STRING_FIELDS)[number], string | null>> &
      Partial<Record<(typeof TIME_FIELDS)[number] | 'owner_id', number | null>> & {
        unsubscribed_from_emails?: boolean;
      } = {};
    for (const f of STRING_FIELDS) {
      const v = optionalString(body, f);
      if (v !== undefined) out[f] = v;
    }
    for (const f of TIME_FIELDS) {
      const v = optionalInteger(body, f);
      if (v !== undefined) out[f] = v;
    }
    const owner = optionalInteger(body, 'owner_id');
    if (owner !== undefined) {
      if (owner !== null && !this.deps.store.admins.has(String(owner))) {
        throw new ApiError(400, 'parameter_invalid', 'The owner specified is not a member of the workspace');
      }
      out.owner_id = owner;
    }
    const unsubscribed = optionalBoolean(body, 'unsubscribed_from_emails');
    if (unsubscribed !== undefined) out.unsubscribed_from_emails = unsubscribed;
    return out;
  }
}

function parseRole(role: unknown): Role | undefined {
  if (role === undefined || role === null) return undefined;
  if (role !== 'user' && role !== 'lead')
    throw new ApiError(400, 'parameter_invalid', 'role must be user or lead');
  return role;
}

/** A user needs an email or an external_id to be identified by (docs/intercom-api.md#identity). */
function requireIdentity(email: string | null, externalId: string | null): void {
  if (!email && !externalId) {
    throw new ApiError(
      400,
      'parameter_not_found',
      'A contact with role user requires an email or external_id',
    );
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
