// The rows the mappers produce for the mirror tables: API names, Dates for timestamps, jsonb as is.
// Contacts', companies', tags' and segments' rows are their catalogs' (mappers/catalog/*).
import type { companyCatalog } from './catalog/company.js';
import type { RowOf } from './catalog/column.js';
import type { contactCatalog } from './catalog/contact.js';
import type { segmentCatalog, tagCatalog } from './catalog/tag-segment.js';
import type { JsonObject } from './json.js';

export type { JsonObject, JsonValue } from './json.js';

/**
 * A contacts row. `archived` is null when the payload does not say (2.2 contact objects carry no
 * `archived`): the upsert keeps what is stored. `content_hash` is the digest of `raw` and the
 * mapping (contentHash): equal digests mean an equal row.
 */
export type ContactRow = RowOf<typeof contactCatalog.columns>;

/** A companies row; `plan` is the plan's name. */
export type CompanyRow = RowOf<typeof companyCatalog.columns>;

export type TagRow = RowOf<typeof tagCatalog.columns>;

export type SegmentRow = RowOf<typeof segmentCatalog.columns>;

/** A note keyed by its contact's Intercom id; the db layer resolves the local contact id. */
export interface NoteRow {
  readonly intercom_id: string;
  readonly contact_intercom_id: string;
  readonly author_id: string | null;
  readonly body: string;
  readonly created_at: Date | null;
  readonly raw: JsonObject;
}

/** One entry of an embedded or listed collection: a tag, company or segment by Intercom id. */
export interface Reference {
  readonly intercomId: string;
  /** Known when the list carries full objects (a company's tags); embedded `{type,id,url}` do not. */
  readonly name: string | null;
}

/**
 * A nested list as a contact or company carries it. Intercom embeds at most 10 entries
 * (docs/design.md#embedded-lists-and-notes), so `complete` says whether `refs` is the whole set.
 */
export interface ReferenceList {
  readonly refs: readonly Reference[];
  readonly complete: boolean;
  readonly totalCount: number | null;
}
