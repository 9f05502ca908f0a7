// Webhook items carry timestamps as ISO 8601 strings with milliseconds (live fixtures); the mappers
// read them at whole-second precision, the precision REST answers have, and still refuse other text.
import { describe, expect, it } from 'vitest';
import { mapCompany } from '../../src/mappers/company.js';
import { mapContact } from '../../src/mappers/contact.js';
import { InvalidPayloadError } from '../../src/mappers/invalid-payload.js';
import { loadDelivery } from '../fixtures/live/index.js';

describe('ISO 8601 timestamps in webhook items', () => {
  it('map a live contact item, milliseconds truncated, in both forms live sends', () => {
    const item = loadDelivery('modern', 'contact.user.created').data.item;
    const { row } = mapContact(item);
    expect(item.created_at).toBe('2025-10-23T09:00:00.512+00:00');
    expect(row.created_at).toEqual(new Date('2025-10-23T09:00:00Z'));
    expect(row.last_seen_at).toEqual(new Date('2025-10-23T09:00:40Z'));
    const zulu = loadDelivery('modern', 'contact.email.updated').data.item;
    expect(zulu.updated_at).toMatch(/\.000Z$/);
    expect(mapContact(zulu).row.updated_at).toEqual(new Date(zulu.updated_at));
  });

  it('map a live company item', () => {
    const { row } = mapCompany(loadDelivery('modern', 'company.updated').data.item);
    expect(row).toMatchObject({ name: 'Halden Freight', updated_at: new Date('2025-10-23T09:51:00Z') });
  });

  it('still refuse a date without a time, or a time without a zone, naming the field', () => {
    const item = loadDelivery('modern', 'contact.user.created').data.item;
    for (const bad of ['2025-10-23', '2025-10-23T09:00:00.512']) {
      const attempt = () => mapContact({ ...item, updated_at: bad });
      expect(attempt).toThrow(InvalidPayloadError);
      expect(attempt).toThrow(/updated_at: expected UNIX seconds \(a number\) or an ISO 8601 date-time/);
    }
  });
});
