// Company endpoints: create-or-update by company_id, look-ups, the numbered list and the scroll.
import { IntercomApiError } from './errors.js';
import type { IntercomHttp } from './http.js';
import { callSettings, callSpec, type CallOptions } from './request-spec.js';
import {
  itemsOf,
  numberedPages,
  scrollPages,
  type ListBody,
  type NumberedPage,
  type ScrollPage,
} from './pagination.js';
import type { Company, CompanyInput, DeletedObject } from './types.js';

export interface CompanyListOptions extends CallOptions {
  /**
   * Default 50; the list stops at 10 000 companies, use `scroll` beyond
   * (docs/intercom-api.md#company-listing).
   */
  readonly perPage?: number;
}

export interface CompanyScrollOptions extends CallOptions {
  /** Continue an open scroll (it expires one minute after its last call). */
  readonly scrollParam?: string;
}

/** Reached as `client.companies`. */
export class CompaniesApi {
  constructor(private readonly http: IntercomHttp) {}

  /**
   * Creates the company, or updates the one with this `company_id`: 2.2 has no update by id
   * (docs/intercom-api.md#create-or-update-by-company_id).
   * @example await client.companies.upsert({ company_id: 'acme', name: 'Acme' });
   */
  upsert(input: CompanyInput, options: CallOptions = {}): Promise<Company> {
    return this.http.request(callSpec('POST', '/companies', {}, input, options));
  }

  /** By Intercom id. @example await client.companies.get('531ee472cce572a6ec000006'); */
  get(id: string, options: CallOptions = {}): Promise<Company> {
    return this.http.request(callSpec('GET', '/companies/{id}', { id }, undefined, options));
  }

  /**
   * By your `company_id`; undefined when Intercom has none. Older API versions answer with the company,
   * newer ones with a list of it (docs/intercom-api.md#company-listing), so both are accepted.
   * @example const company = await client.companies.findByCompanyId('acme');
   */
  async findByCompanyId(companyId: string, options: CallOptions = {}): Promise<Company | undefined> {
    try {
      const body = await this.http.request<Company | ListBody<Company>>({
        method: 'GET',
        route: '/companies?company_id',
        path: '/companies',
        query: { company_id: companyId },
        ...callSettings(options),
      });
      if ('type' in body && body.type === 'company') return body as Company;
      return itemsOf(body as ListBody<Company>)[0];
    } catch (error) {
      if (error instanceof IntercomApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** @example await client.companies.delete(id); */
  delete(id: string, options: CallOptions = {}): Promise<DeletedObject> {
    return this.http.request(callSpec('DELETE', '/companies/{id}', { id }, undefined, options));
  }

  /**
   * Companies page by page (`page`, `per_page`); the array is `companies` in the spec and `data` live.
   * @example for await (const page of client.companies.list({ perPage: 50 })) upsert(page.items);
   */
  list(options: CompanyListOptions = {}): AsyncGenerator<NumberedPage<Company>, void, undefined> {
    const perPage = options.perPage ?? 50;
    return numberedPages<Company>((page) =>
      this.http.request({
        method: 'GET',
        route: '/companies',
        path: '/companies',
        query: { page, per_page: perPage },
        ...callSettings(options),
      }),
    );
  }

  /**
   * Every company through the scroll API, which ends with an empty page. One scroll per app at a time:
   * a second fails with code `scroll_exists`, an expired one with 404 `not_found`; the caller decides
   * whether to wait or restart (docs/intercom-api.md#scroll).
   * @example for await (const page of client.companies.scroll()) upsert(page.items);
   */
  scroll(options: CompanyScrollOptions = {}): AsyncGenerator<ScrollPage<Company>, void, undefined> {
    return scrollPages<Company>(
      (scrollParam) =>
        this.http.request({
          method: 'GET',
          route: '/companies/scroll',
          path: '/companies/scroll',
          query: { scroll_param: scrollParam },
          ...callSettings(options),
          // A failed continuation cannot be retried: a 5xx closes the scroll ("please restart the
          // scroll operation", docs/intercom-api.md#scroll-failures), so the reader restarts it instead of
          // backing off here.
          ...(scrollParam !== undefined && { retries: 0 }),
        }),
      options.scrollParam,
    );
  }
}
