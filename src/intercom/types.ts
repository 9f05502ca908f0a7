// The API's payload types, derived from the generated 2.2 spec types, with the spec's known gaps patched.
import type { components } from './openapi.js';

type Schemas = components['schemas'];

/**
 * Values a custom attribute can hold. The spec types `custom_attributes` as `Record<string, never>`,
 * which would make every value unreadable, so each type below swaps in this record.
 */
export type CustomAttributes = Readonly<Record<string, string | number | boolean | null>>;

type WithCustomAttributes<T> = Omit<T, 'custom_attributes'> & {
  readonly custom_attributes?: CustomAttributes;
};

export type Contact = WithCustomAttributes<Schemas['Contact']>;
export type Company = WithCustomAttributes<Schemas['Company']>;
export type Tag = Schemas['Tag'];
export type Segment = Schemas['Segment'];
export type Note = Schemas['Note'];
export type Admin = Schemas['Admin'];
export type IntercomErrorBody = Schemas['Errors'];

/** Body of `POST /contacts` and `PUT /contacts/{id}`. */
export type ContactInput = WithCustomAttributes<Schemas['UpdateContactRequest']>;
/**
 * Body of `POST /companies` (create-or-update keyed by `company_id`,
 * docs/intercom-api.md#create-or-update-by-company_id).
 */
export type CompanyInput = WithCustomAttributes<Schemas['UpdateCompanyRequest']>;
export type NoteInput = Schemas['CreateNoteRequest'];
export type MergeContactsInput = Schemas['MergeContactsRequest'];

/** The spec names the field `deleted` and types it as a string; the live API sends a boolean. */
export type DeletedObject = Omit<Schemas['DeleteContactResponse'], 'deleted'> & {
  readonly deleted?: boolean | string | null;
};
/**
 * The spec copies the delete response here; the live API answers `{id, object, archived}`
 * (docs/intercom-api.md#archive-delete-merge).
 */
export type ArchivedContact = Omit<Schemas['ArchiveContactResponse'], 'deleted'> & {
  readonly archived?: boolean | null;
};

/**
 * The 2.x search operators; `~` contains, `^` starts with, `$` ends with
 * (docs/intercom-api.md#search-operators-and-limits).
 */
export type SearchOperator = '=' | '!=' | 'IN' | 'NIN' | '>' | '<' | '~' | '!~' | '^' | '$';

/**
 * One search condition, e.g. `{ field: 'updated_at', operator: '>', value: 1577836800 }`. The spec has
 * separate string and integer shapes; one shape with a value union reads better and admits `IN` arrays.
 */
export type SearchCondition = Omit<Schemas['SingleFilterString'], 'operator' | 'value'> & {
  readonly operator: SearchOperator;
  readonly value: string | number | boolean | null | readonly (string | number)[];
};

/**
 * A condition or an AND/OR group; the spec leaves group members untyped
 * (docs/intercom-api.md#search-operators-and-limits).
 */
export type SearchFilter =
  | SearchCondition
  | { readonly operator: Schemas['MultiFilter']['operator']; readonly value: readonly SearchFilter[] };

/**
 * The spec's enum misspells "descending" (`dfescending`); the API wants the real word
 * (docs/intercom-api.md#search-operators-and-limits).
 */
export type SearchSort = Omit<Schemas['SearchSorting'], 'order'> & {
  readonly order: 'ascending' | 'descending';
};

/** Which share of the rate budget a request draws from (see rate-budget.ts). */
export type Lane = 'inbound' | 'outbound';
