// The changes the workspace reports as they happen, whoever made them (API or control
// endpoint); webhooks.ts turns them into notifications.
import type { CompanyRecord, ContactRecord, NoteRecord, TagRecord } from './model.js';

export type ChangeEvent =
  | { readonly kind: 'contact.created'; readonly contact: ContactRecord }
  | { readonly kind: 'contact.updated'; readonly contact: ContactRecord; readonly previous: ContactRecord }
  /** A lead became a user (docs/intercom-api.md#roles-and-leads). */
  | { readonly kind: 'contact.signed_up'; readonly contact: ContactRecord }
  | { readonly kind: 'contact.archived'; readonly contact: ContactRecord }
  | { readonly kind: 'contact.unarchived'; readonly contact: ContactRecord }
  | { readonly kind: 'contact.deleted'; readonly contact: ContactRecord }
  | { readonly kind: 'contact.merged'; readonly contact: ContactRecord; readonly from: ContactRecord }
  | { readonly kind: 'contact.tagged'; readonly contact: ContactRecord; readonly tag: TagRecord }
  | { readonly kind: 'contact.untagged'; readonly contact: ContactRecord; readonly tag: TagRecord }
  | { readonly kind: 'company.created'; readonly company: CompanyRecord }
  | { readonly kind: 'company.updated'; readonly company: CompanyRecord }
  | { readonly kind: 'company.deleted'; readonly company: CompanyRecord }
  | { readonly kind: 'company.attached'; readonly company: CompanyRecord; readonly contact: ContactRecord }
  | { readonly kind: 'company.detached'; readonly company: CompanyRecord; readonly contact: ContactRecord }
  | { readonly kind: 'note.created'; readonly note: NoteRecord; readonly contact: ContactRecord }
  | { readonly kind: 'tag.created'; readonly tag: TagRecord };

export type ChangeSink = (event: ChangeEvent) => void;
