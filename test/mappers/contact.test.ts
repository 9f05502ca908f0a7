import { describe, expect, it } from 'vitest';
import { mapContact } from '../../src/mappers/contact.js';
import { InvalidPayloadError } from '../../src/mappers/invalid-payload.js';
import { leadContact, userContact } from './fixtures/payloads.js';

describe('mapContact', () => {
  it('keeps API names, unicode text, custom attributes and the full payload', () => {
    const { row } = mapContact(userContact);
    expect(row).toMatchObject({
      intercom_id: '5f7b2c1e8d0a4b0012345678',
      external_id: 'usr_0042',
      role: 'user',
      email: 'zoë.łukasiewicz@example.com',
      name: 'Zoë Łukasiewicz 李小龍 🚀',
      owner_id: 814860,
      unsubscribed_from_emails: true,
      browser_language: 'pl',
      custom_attributes: { plan_tier: 'pro', seats: 12, beta: true, nested: { ok: ['a', 'b'] } },
      location: { type: 'location', country: 'Poland', region: 'Mazovia', city: 'Warszawa' },
      social_profiles: userContact.social_profiles,
      archived: null,
    });
    expect(row.raw).toBe(userContact);
  });

  it('turns UNIX seconds into dates, and null or 0 into null', () => {
    const { row } = mapContact(userContact);
    expect(row.updated_at).toEqual(new Date('2023-11-14T22:15:23Z'));
    expect(row.created_at).toEqual(new Date(1571672154 * 1000));
    expect(row.last_replied_at).toBeNull();
    expect(row.last_contacted_at).toBeNull();
    expect(row.last_email_clicked_at).toBeNull();
  });

  it('says when the embedded tags were cut at 10 so the flow fetches the rest', () => {
    const { tags, companies, notes } = mapContact(userContact);
    expect(tags?.refs).toHaveLength(10);
    expect(tags).toMatchObject({ complete: false, totalCount: 12 });
    expect(tags?.refs[0]).toEqual({ intercomId: '7000', name: null });
    expect(companies).toMatchObject({ complete: true, totalCount: 2 });
    expect(companies?.refs.map((r) => r.intercomId)).toEqual(['6a1b2c3d4e5f', '6a1b2c3d4e60']);
    expect(notes).toMatchObject({ refs: [], complete: true });
  });

  it('maps a lead without email, name or activity', () => {
    const { row, tags } = mapContact(leadContact);
    expect(row).toMatchObject({ role: 'lead', email: null, name: null, owner_id: null, signed_up_at: null });
    expect(row.custom_attributes).toEqual({});
    expect(tags).toEqual({ refs: [], complete: true, totalCount: 0 });
  });

  it('tells absent lists (leave links alone) from empty ones (remove them)', () => {
    const { tags, companies, notes } = mapContact({ ...leadContact, tags: undefined, companies: undefined });
    expect(tags).toBeNull();
    expect(companies).toBeNull();
    expect(notes).toBeNull();
  });

  it('stores custom_attributes {} when the payload has none', () => {
    const { row } = mapContact({ ...leadContact, custom_attributes: null });
    expect(row.custom_attributes).toEqual({});
  });

  it('rejects a payload without an id, naming the field', () => {
    const { id: _id, ...withoutId } = userContact;
    expect(() => mapContact(withoutId)).toThrow(InvalidPayloadError);
    expect(() => mapContact(withoutId)).toThrow(/^invalid contact \(no id\): id: /);
  });

  it('rejects a wrongly typed field, naming the contact and the field', () => {
    const error = catchError(() => mapContact({ ...userContact, updated_at: '2023-11-14' }));
    expect(error).toMatchObject({ record: 'contact', recordId: userContact.id, field: 'updated_at' });
    expect(error.message).toMatch(/^invalid contact 5f7b2c1e8d0a4b0012345678: updated_at: .*number/);
  });

  it('rejects a role the mirror cannot store, and a broken embedded tag', () => {
    expect(() => mapContact({ ...userContact, role: 'visitor' })).toThrow(/: role: /);
    const tags = { ...userContact.tags, data: [{ type: 'tag', url: '/tags/x' }] };
    expect(() => mapContact({ ...userContact, tags })).toThrow(/: tags\.data\[0\]\.id: /);
  });

  it('rejects something that is not an object at all', () => {
    expect(() => mapContact(null)).toThrow(/^invalid contact \(no id\): \(payload\): /);
  });
});

function catchError(fn: () => unknown): InvalidPayloadError {
  try {
    fn();
  } catch (error) {
    return error as InvalidPayloadError;
  }
  throw new Error('expected an error');
}
