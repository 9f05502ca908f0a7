// Endpoints beyond the 2.2 spec's paths that a two-way sync needs: tags (create, rename, delete,
// company tagging), data attributes (list, create), admins and teams (docs/intercom-api.md#tags-and-segments,
// docs/intercom-api.md#data-attributes, docs/intercom-api.md#admins-and-teams).
import type { IntercomHttp } from './http.js';
import { itemsOf, type ListBody } from './pagination.js';
import { callSettings, callSpec, type CallOptions } from './request-spec.js';
import type { Tag } from './types.js';

export type AttributeModel = 'contact' | 'company';
export type AttributeDataType = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'datetime';

/** A data attribute as `GET /data_attributes` lists it (standard ones carry no `id`). */
export interface DataAttribute {
  readonly type?: 'data_attribute';
  readonly id?: number | string | null;
  readonly model?: AttributeModel;
  readonly name: string;
  readonly full_name?: string | null;
  readonly label?: string | null;
  readonly description?: string | null;
  readonly data_type: AttributeDataType | string;
  readonly options?: readonly unknown[] | null;
  readonly api_writable?: boolean | null;
  readonly ui_writable?: boolean | null;
  readonly custom?: boolean | null;
  readonly archived?: boolean | null;
  readonly created_at?: number | null;
  readonly updated_at?: number | null;
}

export interface AdminPayload {
  readonly type?: 'admin';
  readonly id: string;
  readonly name?: string | null;
  readonly email?: string | null;
  readonly job_title?: string | null;
  readonly away_mode_enabled?: boolean | null;
  readonly away_mode_reassign?: boolean | null;
  readonly has_inbox_seat?: boolean | null;
  readonly team_ids?: readonly (string | number)[] | null;
}

export interface TeamPayload {
  readonly type?: 'team';
  readonly id: string;
  readonly name?: string | null;
  readonly admin_ids?: readonly (string | number)[] | null;
}

/** Reached as `client.tags`. */
export class TagsApi {
  constructor(private readonly http: IntercomHttp) {}

  /** Create-or-update by name: an existing tag of that name is answered as it is. @example await client.tags.create('vip'); */
  create(name: string, options: CallOptions = {}): Promise<Tag> {
    return this.http.request(callSpec('POST', '/tags', {}, { name }, options));
  }

  /** Renames tag `id` (same endpoint, with the id). @example await client.tags.rename('17', 'gold'); */
  rename(id: string, name: string, options: CallOptions = {}): Promise<Tag> {
    return this.http.request(callSpec('POST', '/tags', {}, { id, name }, options));
  }

  /** Fails with `tag_has_dependent_objects` while a segment uses it. @example await client.tags.delete('17'); */
  delete(id: string, options: CallOptions = {}): Promise<unknown> {
    return this.http.request(callSpec('DELETE', '/tags/{id}', { id }, undefined, options));
  }

  /**
   * Tags (or, with `untag`, untags) companies by their Intercom ids: companies are tagged through
   * `POST /tags` by tag name, not through an endpoint of the company's.
   * @example await client.tags.tagCompanies('vip', ['531ee472…'], { untag: true });
   */
  tagCompanies(
    name: string,
    companyIds: readonly string[],
    options: CallOptions & { untag?: boolean } = {},
  ): Promise<Tag> {
    const companies = companyIds.map((id) => (options.untag ? { id, untag: true } : { id }));
    return this.http.request(callSpec('POST', '/tags', {}, { name, companies }, callSettings(options)));
  }
}

/** Reached as `client.dataAttributes`. */
export class DataAttributesApi {
  constructor(private readonly http: IntercomHttp) {}

  /** @example const defs = await client.dataAttributes.list('contact'); */
  async list(model: AttributeModel, options: CallOptions = {}): Promise<readonly DataAttribute[]> {
    return itemsOf(
      await this.http.request<ListBody<DataAttribute>>({
        method: 'GET',
        route: '/data_attributes',
        path: '/data_attributes',
        query: { model },
        ...callSettings(options),
      }),
    );
  }

  /** @example await client.dataAttributes.create({ name: 'seats', model: 'contact', data_type: 'integer' }); */
  create(
    input: { readonly name: string; readonly model: AttributeModel; readonly data_type: AttributeDataType },
    options: CallOptions = {},
  ): Promise<DataAttribute> {
    return this.http.request(callSpec('POST', '/data_attributes', {}, input, options));
  }
}

/** Every admin of the workspace (`admin.list`). @example const admins = await listAdmins(http); */
export async function listAdmins(
  http: IntercomHttp,
  options: CallOptions = {},
): Promise<readonly AdminPayload[]> {
  const body = await http.request<{ admins?: AdminPayload[]; data?: AdminPayload[] }>(
    callSpec('GET', '/admins', {}, undefined, options),
  );
  return body.admins ?? body.data ?? [];
}

/** Every team (`team.list`), each with its admins' ids. @example const teams = await listTeams(http); */
export async function listTeams(
  http: IntercomHttp,
  options: CallOptions = {},
): Promise<readonly TeamPayload[]> {
  const body = await http.request<{ teams?: TeamPayload[]; data?: TeamPayload[] }>(
    callSpec('GET', '/teams', {}, undefined, options),
  );
  return body.teams ?? body.data ?? [];
}
