import { describe, expect, it } from 'vitest';
import { mapCompany } from '../../src/mappers/company.js';
import { mapContact } from '../../src/mappers/contact.js';
import { mapNote } from '../../src/mappers/note.js';
import { mapSegment } from '../../src/mappers/segment.js';
import { apiTimestampSeconds, unixSeconds } from '../../src/mappers/timestamp.js';
import { company, note, segment, userContact } from './fixtures/payloads.js';

/** A `*_at` value in UNIX seconds as a live webhook item carries it: ISO 8601 with milliseconds. */
const iso = (seconds: number, ms = 238) => new Date(seconds * 1000 + ms).toISOString().replace('Z', '+00:00');

describe('API timestamps', () => {
  it('read UNIX seconds and ISO 8601 date-times (with milliseconds, Z or an offset) as whole seconds', () => {
    expect(apiTimestampSeconds(1768018948)).toBe(1768018948);
    expect(apiTimestampSeconds('2026-01-10T04:22:28.238+00:00')).toBe(1768018948);
    expect(apiTimestampSeconds('2026-01-10T04:22:28.999Z')).toBe(1768018948);
    expect(apiTimestampSeconds('2019-03-23T22:20:52.000Z')).toBe(1553379652);
    expect(apiTimestampSeconds('2026-01-10T06:22:28+02:00')).toBe(1768018948);
    expect(apiTimestampSeconds(1768018948.7)).toBe(1768018948);
  });

  it('read null, absent and 0 — Intercom\'s "never" — in either form as null', () => {
    expect(apiTimestampSeconds(null)).toBeNull();
    expect(apiTimestampSeconds(undefined)).toBeNull();
    expect(apiTimestampSeconds(0)).toBeNull();
    expect(apiTimestampSeconds('1970-01-01T00:00:00.000Z')).toBeNull();
  });

  it('refuse what is neither: a date without a time, prose, a boolean, an unreal date', () => {
    for (const value of ['2023-11-14', 'yesterday', '', true, {}, '2026-13-45T99:00:00Z', Number.NaN])
      expect(apiTimestampSeconds(value), String(value)).toBeUndefined();
  });

  it('refuse seconds no year from 1 to 9999 holds (1e13, milliseconds sent as seconds), naming the field', () => {
    expect(apiTimestampSeconds(253_402_300_799)).toBe(253_402_300_799); // 9999-12-31T23:59:59Z
    for (const value of [1e13, 1_768_018_948_238, 253_402_300_800, -1e12, '+275760-09-13T00:00:00.000Z'])
      expect(apiTimestampSeconds(value), String(value)).toBeUndefined();
    expect(() => mapContact({ ...userContact, created_at: 1e13 })).toThrow(
      /: created_at: expected UNIX seconds .* in the years 1 to 9999, received number 10000000000000$/,
    );
  });

  it("map a webhook's `.238` to the very Date the REST read of the same second maps to", () => {
    const rest = mapContact(userContact).row;
    const webhook = mapContact({
      ...userContact,
      created_at: iso(userContact.created_at, 0),
      updated_at: iso(userContact.updated_at),
      signed_up_at: iso(userContact.signed_up_at, 999),
      last_seen_at: iso(userContact.last_seen_at, 1),
    }).row;
    for (const column of ['created_at', 'updated_at', 'signed_up_at', 'last_seen_at'] as const) {
      expect(webhook[column]?.getTime(), column).toBe(rest[column]?.getTime());
      expect(webhook[column]!.getMilliseconds(), column).toBe(0);
    }
    expect(rest.last_replied_at).toBeNull(); // 0 in the payload
  });

  it('are read the same way by every mapper: companies, segments, notes', () => {
    const updated = mapCompany({ ...company, updated_at: iso(company.updated_at) }).row.updated_at;
    expect(updated).toEqual(new Date(company.updated_at * 1000));
    expect(mapSegment({ ...segment, updated_at: iso(1700000000) }).updated_at).toEqual(
      new Date(1700000000 * 1000),
    );
    expect(mapNote({ ...note, created_at: '2019-03-23T22:20:52.453+00:00' }).created_at).toEqual(
      new Date('2019-03-23T22:20:52Z'),
    );
  });

  it('name the field and what it expected when a timestamp is neither form', () => {
    expect(() => mapCompany({ ...company, last_request_at: 'last tuesday' })).toThrow(
      /^invalid company 6a1b2c3d4e5f: last_request_at: expected UNIX seconds \(a number\) or an ISO 8601 date-time, in the years 1 to 9999, received string "last tuesday"$/,
    );
    expect(() => mapNote({ ...note, created_at: '2023-11-14' })).toThrow(
      /: created_at: expected UNIX seconds/,
    );
  });
});

describe('unixSeconds (rows and outbox values)', () => {
  it('reads Dates, seconds and ISO strings, truncating to the second', () => {
    expect(unixSeconds(new Date('2024-06-01T00:00:00.900Z'))).toBe(1717200000);
    expect(unixSeconds('2024-06-01T00:00:00+00:00')).toBe(1717200000);
    expect(unixSeconds(1717200000)).toBe(1717200000);
    expect(unixSeconds(null)).toBeUndefined();
    expect(unixSeconds('not a time')).toBeUndefined();
  });
});
