// The split of a page of contacts or companies into records stored from this very payload (only
// their embedded lists are mapped) and the rest (mapped whole and upserted), by what the mirror
// holds for them (db/mirrored-state.ts).
import type { MirroredState } from '../db/mirrored-state.js';
import { contentHash } from '../mappers/content-hash.js';
import { InvalidPayloadError } from '../mappers/invalid-payload.js';

/** The Intercom ids of a page's payloads (a payload without one is left to its mapper to refuse). */
export function payloadIds(payloads: readonly { readonly id?: unknown }[]): string[] {
  return payloads.flatMap((p) => (typeof p.id === 'string' && p.id !== '' ? [p.id] : []));
}

export interface MapPageOptions<Payload, Lists, Row> {
  /** What the mirror holds, by Intercom id (readMirroredContacts, readMirroredCompanies). */
  readonly mirrored: ReadonlyMap<string, MirroredState<string>>;
  /** Beyond an equal digest and a live row, what else the stored row must agree with (archived). */
  readonly agrees?: (stored: MirroredState<string>, payload: Payload) => boolean;
  /** Only the embedded lists, for a record stored from this very payload. */
  readonly lists: (payload: Payload) => Lists;
  /** The whole record. */
  readonly map: (payload: Payload) => Lists & { readonly row: Row; readonly absent: readonly string[] };
  /** A payload that does not map: logged by the caller, never written. */
  readonly invalid: (error: InvalidPayloadError, payload: Payload) => void;
}

/**
 * Splits a page: a record whose stored row was written from this very payload (equal digest, live,
 * and agreeing) has only its lists mapped; any other is mapped whole, its row to be upserted.
 * @example const { lists, rows } = mapPage(page, { mirrored, lists: mapCompanyLists, map: mapCompany, invalid: warn });
 */
export function mapPage<Payload extends { readonly id?: unknown }, Lists, Row>(
  payloads: readonly Payload[],
  options: MapPageOptions<Payload, Lists, Row>,
): { lists: Lists[]; rows: Row[]; absent: Map<Row, readonly string[]>; invalid: number } {
  const lists: Lists[] = [];
  const rows: Row[] = [];
  // Per row, the columns its payload did not carry (for upserts of partial payloads).
  const absent = new Map<Row, readonly string[]>();
  let invalid = 0;
  for (const payload of payloads) {
    try {
      const stored = typeof payload.id === 'string' ? options.mirrored.get(payload.id) : undefined;
      if (
        stored?.live &&
        stored.hash !== null &&
        (options.agrees?.(stored, payload) ?? true) &&
        stored.hash === contentHash(payload)
      ) {
        lists.push(options.lists(payload));
        continue;
      }
      const mapped = options.map(payload);
      lists.push(mapped);
      rows.push(mapped.row);
      if (mapped.absent.length > 0) absent.set(mapped.row, mapped.absent);
    } catch (error) {
      if (!(error instanceof InvalidPayloadError)) throw error;
      invalid++;
      options.invalid(error, payload);
    }
  }
  return { lists, rows, absent, invalid };
}
