// The public face of src/intercom: the client, its errors, pages and the shared rate budget.
export { IntercomClient, type IntercomClientOptions } from './client.js';
export {
  ContactsApi,
  MAX_CONTACTS_PER_PAGE,
  type ContactListOptions,
  type ContactSearchOptions,
} from './contacts.js';
export { CompaniesApi, type CompanyListOptions, type CompanyScrollOptions } from './companies.js';
export { IntercomApiError, type IntercomApiErrorFields } from './errors.js';
export { IntercomHttp, type IntercomHttpOptions, type ResponseEvent } from './http.js';
export {
  callSettings,
  fillRoute,
  type CallOptions,
  type HttpMethod,
  type RequestSpec,
} from './request-spec.js';
export {
  cursorPages,
  itemsOf,
  numberedPages,
  PagingLoopError,
  scrollPages,
  type CursorPage,
  type ListBody,
  type NumberedPage,
  type ScrollPage,
} from './pagination.js';
export {
  RateBudget,
  RateBudgetUnavailableError,
  type RateBudgetOptions,
  type RateBudgetState,
  type RequestBudget,
} from './rate-budget.js';
export { parseRateLimitHeaders, type RateLimitHeaders } from './rate-limit-headers.js';
export type * from './types.js';
export {
  DataAttributesApi,
  TagsApi,
  type AdminPayload,
  type AttributeDataType,
  type AttributeModel,
  type DataAttribute,
  type TeamPayload,
} from './workspace-api.js';
