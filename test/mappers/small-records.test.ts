import { describe, expect, it } from 'vitest';
import { mapNote } from '../../src/mappers/note.js';
import { mapSegment } from '../../src/mappers/segment.js';
import { mapTag } from '../../src/mappers/tag.js';
import { note, noteSpecShape, segment, tag } from './fixtures/payloads.js';

describe('mapTag and mapSegment', () => {
  it('map a tag and a segment', () => {
    expect(mapTag(tag)).toEqual({ intercom_id: '7001', name: 'VIP', raw: tag });
    expect(mapSegment(segment)).toMatchObject({
      intercom_id: '5310d8e8',
      name: 'Paying',
      person_type: 'user',
      count: 42,
      updated_at: new Date(1700000000 * 1000),
    });
  });

  it('reject a tag without a name', () => {
    expect(() => mapTag({ type: 'tag', id: '9' })).toThrow(/^invalid tag 9: name: /);
  });
});

describe('mapNote', () => {
  it('carries the contact Intercom id from `contact` (later versions) or `user` (2.2)', () => {
    expect(mapNote(note)).toMatchObject({
      intercom_id: '17495962',
      contact_intercom_id: '5f7b2c1e8d0a4b0012345678',
      author_id: '814860',
      body: '<p>Called about the invoice — “paid” 🎉</p>',
      created_at: new Date(1700000100 * 1000),
    });
    expect(mapNote(noteSpecShape).contact_intercom_id).toBe('5f7b2c1e8d0a4b0012345678');
  });

  it('takes the contact from the caller when the payload names none, and fails when nobody does', () => {
    const bare = { ...note, contact: undefined };
    expect(mapNote(bare, { contactIntercomId: 'c-1' }).contact_intercom_id).toBe('c-1');
    expect(() => mapNote(bare)).toThrow('invalid note 17495962: user.id: the note names no contact');
  });
});
