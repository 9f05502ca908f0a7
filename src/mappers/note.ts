// Intercom note JSON → a notes row keyed by its contact's Intercom id (the db resolves the local id).
import { z } from 'zod';
import { InvalidPayloadError, parsePayload } from './invalid-payload.js';
import { intercomId, timestamp } from './payload-fields.js';
import type { JsonObject, NoteRow } from './rows.js';

const owner = z.looseObject({ id: intercomId }).nullish();

// 2.2 names the noted contact `user`; later versions call it `contact`. Both are `{type,id}`.
const noteSchema = z.looseObject({
  id: intercomId,
  body: z.string(),
  created_at: timestamp,
  author: owner,
  user: owner,
  contact: owner,
});

/**
 * Maps one note payload. Notes are listed per contact (`GET /contacts/{id}/notes`), so the caller
 * may pass that contact's id for payloads that do not name it.
 * @example const rows = page.data.map((n) => mapNote(n, { contactIntercomId }));
 */
export function mapNote(payload: unknown, options: { readonly contactIntercomId?: string } = {}): NoteRow {
  const n = parsePayload(noteSchema, payload, 'note');
  const contactIntercomId = n.user?.id ?? n.contact?.id ?? options.contactIntercomId;
  if (!contactIntercomId) throw new InvalidPayloadError('note', n.id, 'user.id', 'the note names no contact');
  return {
    intercom_id: n.id,
    contact_intercom_id: contactIntercomId,
    author_id: n.author?.id ?? null,
    body: n.body,
    created_at: n.created_at,
    raw: payload as JsonObject,
  };
}
