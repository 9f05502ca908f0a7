// Contact endpoints: read, write, archive, merge, search, and the lists hanging off one contact.
import type { IntercomHttp } from './http.js';
import { callSettings, callSpec, fillRoute, type CallOptions, type HttpMethod } from './request-spec.js';
import {
  cursorPages,
  numberedPages,
  type CursorPage,
  type ListBody,
  type NumberedPage,
} from './pagination.js';
import type {
  ArchivedContact,
  Company,
  Contact,
  ContactInput,
  DeletedObject,
  MergeContactsInput,
  Note,
  NoteInput,
  SearchFilter,
  SearchSort,
  Segment,
  Tag,
} from './types.js';

export interface ContactListOptions extends CallOptions {
  /** 1–150, default 150 (docs/intercom-api.md#listing-contacts). */
  readonly perPage?: number;
  /** Resume after this cursor (a `nextStartingAfter` saved from an earlier page). */
  readonly startingAfter?: string;
}

export interface ContactSearchOptions extends ContactListOptions {
  readonly sort?: SearchSort;
}

/** Search and list pages hold at most 150 contacts (docs/intercom-api.md#listing-contacts). */
export const MAX_CONTACTS_PER_PAGE = 150;

function pageSize(perPage: number | undefined): number {
  return Math.min(MAX_CONTACTS_PER_PAGE, Math.max(1, Math.floor(perPage ?? MAX_CONTACTS_PER_PAGE)));
}

/** Reached as `client.contacts`. */
export class ContactsApi {
  constructor(private readonly http: IntercomHttp) {}

  /** @example const contact = await client.contacts.get('5ba682d2…'); */
  get(id: string, options: CallOptions = {}): Promise<Contact> {
    return this.call('GET', '/contacts/{id}', { id }, undefined, options);
  }

  /**
   * Creates a user or lead. A duplicate fails with `IntercomApiError.conflictId` set
   * (docs/intercom-api.md#create-conflicts).
   * @example await client.contacts.create({ role: 'user', external_id: '42', email: 'a@b.c' });
   */
  create(input: ContactInput, options: CallOptions = {}): Promise<Contact> {
    return this.createOnce('/contacts', {}, input, options);
  }

  /** @example await client.contacts.update(id, { role: 'user', name: 'Ada' }); */
  update(id: string, input: Partial<ContactInput>, options: CallOptions = {}): Promise<Contact> {
    return this.call('PUT', '/contacts/{id}', { id }, input, options);
  }

  /** @example await client.contacts.delete(id); */
  delete(id: string, options: CallOptions = {}): Promise<DeletedObject> {
    return this.call('DELETE', '/contacts/{id}', { id }, undefined, options);
  }

  /** @example await client.contacts.archive(id); */
  archive(id: string, options: CallOptions = {}): Promise<ArchivedContact> {
    return this.call('POST', '/contacts/{id}/archive', { id }, undefined, options);
  }

  /** @example await client.contacts.unarchive(error.conflictId); */
  unarchive(id: string, options: CallOptions = {}): Promise<ArchivedContact> {
    return this.call('POST', '/contacts/{id}/unarchive', { id }, undefined, options);
  }

  /**
   * Merges a lead into a user and returns the user; the lead disappears
   * (docs/intercom-api.md#archive-delete-merge).
   */
  merge(input: MergeContactsInput, options: CallOptions = {}): Promise<Contact> {
    return this.call('POST', '/contacts/merge', {}, input, options);
  }

  /**
   * Every contact, page by page, through `GET /contacts` cursors.
   * @example for await (const page of client.contacts.list({ startingAfter: saved })) saved = page.nextStartingAfter;
   */
  list(options: ContactListOptions = {}): AsyncGenerator<CursorPage<Contact>, void, undefined> {
    const perPage = pageSize(options.perPage);
    return cursorPages<Contact>(
      (startingAfter) =>
        this.http.request({
          method: 'GET',
          route: '/contacts',
          path: '/contacts',
          query: { per_page: perPage, starting_after: startingAfter },
          ...callSettings(options),
        }),
      options.startingAfter,
    );
  }

  /**
   * Contacts matching a filter. Pagination goes in the body: in the URL it silently restarts at page 1
   * (docs/intercom-api.md#search-requests). Resume with `startingAfter`.
   * @example client.contacts.search({ field: 'updated_at', operator: '>', value: day }, { sort: { field: 'updated_at', order: 'ascending' } })
   */
  search(
    query: SearchFilter,
    options: ContactSearchOptions = {},
  ): AsyncGenerator<CursorPage<Contact>, void, undefined> {
    const perPage = pageSize(options.perPage);
    return cursorPages<Contact>((startingAfter) => {
      const pagination = {
        per_page: perPage,
        ...(startingAfter !== undefined && { starting_after: startingAfter }),
      };
      const body = { query, pagination, ...(options.sort && { sort: options.sort }) };
      return this.http.request({
        method: 'POST',
        route: '/contacts/search',
        path: '/contacts/search',
        body,
        ...callSettings(options),
      });
    }, options.startingAfter);
  }

  /**
   * All tags of a contact (the inline list on a contact stops at 10, docs/intercom-api.md#lists-cut-at-10).
   */
  tags(id: string, options: CallOptions = {}): AsyncGenerator<NumberedPage<Tag>, void, undefined> {
    return this.nestedList<Tag>('/contacts/{id}/tags', id, options);
  }

  companies(id: string, options: CallOptions = {}): AsyncGenerator<NumberedPage<Company>, void, undefined> {
    return this.nestedList<Company>('/contacts/{id}/companies', id, options);
  }

  segments(id: string, options: CallOptions = {}): AsyncGenerator<NumberedPage<Segment>, void, undefined> {
    return this.nestedList<Segment>('/contacts/{id}/segments', id, options);
  }

  /**
   * Notes have no global listing and no webhook: fetch them per changed contact
   * (docs/design.md#embedded-lists-and-notes).
   */
  notes(id: string, options: CallOptions = {}): AsyncGenerator<NumberedPage<Note>, void, undefined> {
    return this.nestedList<Note>('/contacts/{id}/notes', id, options);
  }

  /** @example await client.contacts.createNote(id, { body: '<p>Called</p>', admin_id: adminId }); */
  createNote(id: string, input: NoteInput, options: CallOptions = {}): Promise<Note> {
    return this.createOnce('/contacts/{id}/notes', { id }, input, options);
  }

  /** Attaches a company by its Intercom id (not its `company_id`). */
  attachCompany(id: string, companyId: string, options: CallOptions = {}): Promise<Company> {
    return this.call('POST', '/contacts/{id}/companies', { id }, { id: companyId }, options);
  }

  detachCompany(id: string, companyId: string, options: CallOptions = {}): Promise<Company> {
    return this.call('DELETE', '/contacts/{id}/companies/{companyId}', { id, companyId }, undefined, options);
  }

  /** @example await client.contacts.tag(contactId, tagId); */
  tag(id: string, tagId: string, options: CallOptions = {}): Promise<Tag> {
    return this.call('POST', '/contacts/{id}/tags', { id }, { id: tagId }, options);
  }

  untag(id: string, tagId: string, options: CallOptions = {}): Promise<Tag> {
    return this.call('DELETE', '/contacts/{id}/tags/{tagId}', { id, tagId }, undefined, options);
  }

  private nestedList<T>(
    route: string,
    id: string,
    options: CallOptions,
  ): AsyncGenerator<NumberedPage<T>, void, undefined> {
    const path = fillRoute(route, { id });
    return numberedPages<T>((page) =>
      this.http.request<ListBody<T>>({
        method: 'GET',
        route,
        path,
        query: page > 1 ? { page } : {},
        ...callSettings(options),
      }),
    );
  }

  /**
   * A POST that makes a new record, sent once: a 5xx, a timeout or a cut connection may come after
   * Intercom stored it, and a blind retry would make a second lead or note (neither conflicts). The
   * push retries knowing it may have created one (docs/local-changes.md#one-intercom-record-per-local-row).
   */
  private createOnce<T>(
    route: string,
    params: Record<string, string>,
    body: unknown,
    options: CallOptions,
  ): Promise<T> {
    return this.http.request<T>({ ...callSpec('POST', route, params, body, options), retries: 0 });
  }

  private call<T>(
    method: HttpMethod,
    route: string,
    params: Record<string, string>,
    body: unknown,
    options: CallOptions,
  ): Promise<T> {
    return this.http.request<T>(callSpec(method, route, params, body, options));
  }
}
