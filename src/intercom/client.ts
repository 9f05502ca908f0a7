// IntercomClient: the typed entry point to the Intercom REST API 2.2 that the sync uses.
import { CompaniesApi } from './companies.js';
import { ContactsApi } from './contacts.js';
import { IntercomHttp, type IntercomHttpOptions } from './http.js';
import { callSpec, type CallOptions } from './request-spec.js';
import { itemsOf, type ListBody } from './pagination.js';
import type { Segment, Tag } from './types.js';
import {
  DataAttributesApi,
  listAdmins,
  listTeams,
  TagsApi,
  type AdminPayload,
  type TeamPayload,
} from './workspace-api.js';

export type IntercomClientOptions = IntercomHttpOptions;

/**
 * One client per workspace; share it across the process, it pools connections.
 * @example
 * const intercom = new IntercomClient({ token: config.INTERCOM_TOKEN, baseUrl: config.INTERCOM_BASE_URL, budget });
 * for await (const page of intercom.contacts.list()) console.log(page.items.length);
 * await intercom.close();
 */
export class IntercomClient {
  readonly contacts: ContactsApi;
  readonly companies: CompaniesApi;
  readonly tags: TagsApi;
  readonly dataAttributes: DataAttributesApi;
  readonly http: IntercomHttp;

  constructor(options: IntercomClientOptions) {
    this.http = new IntercomHttp(options);
    this.contacts = new ContactsApi(this.http);
    this.companies = new CompaniesApi(this.http);
    this.tags = new TagsApi(this.http);
    this.dataAttributes = new DataAttributesApi(this.http);
  }

  /** Every admin (teammate). @example const admins = await intercom.listAdmins(); */
  listAdmins(options: CallOptions = {}): Promise<readonly AdminPayload[]> {
    return listAdmins(this.http, options);
  }

  /** Every team with its admins' ids. @example const teams = await intercom.listTeams(); */
  listTeams(options: CallOptions = {}): Promise<readonly TeamPayload[]> {
    return listTeams(this.http, options);
  }

  /** Every tag of the workspace (one unpaged response). @example const tags = await intercom.listTags(); */
  async listTags(options: CallOptions = {}): Promise<readonly Tag[]> {
    return itemsOf(await this.http.request<ListBody<Tag>>(callSpec('GET', '/tags', {}, undefined, options)));
  }

  /** Every segment; the live API lists them under `segments`, the spec under `data`. */
  async listSegments(options: CallOptions = {}): Promise<readonly Segment[]> {
    return itemsOf(
      await this.http.request<ListBody<Segment>>(callSpec('GET', '/segments', {}, undefined, options)),
    );
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }
}
