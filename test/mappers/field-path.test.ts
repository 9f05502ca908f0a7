import { describe, expect, it } from 'vitest';
import { customAttributeField, nestFields, parseFieldPath, readField } from '../../src/mappers/field-path.js';

describe('field paths', () => {
  it('tell a column from one custom attribute, whose key may hold dots', () => {
    expect(parseFieldPath('email')).toEqual({ column: 'email', key: null });
    expect(parseFieldPath('custom_attributes.plan_tier')).toEqual({
      column: 'custom_attributes',
      key: 'plan_tier',
    });
    expect(parseFieldPath('custom_attributes.v1.5')).toEqual({ column: 'custom_attributes', key: 'v1.5' });
    expect(parseFieldPath(customAttributeField('seats'))).toEqual({
      column: 'custom_attributes',
      key: 'seats',
    });
  });

  it('read a field from a row, a missing custom attribute as null', () => {
    const row = { email: 'a@b', custom_attributes: { tier: 'gold' } };
    expect(readField(row, 'email')).toBe('a@b');
    expect(readField(row, 'custom_attributes.tier')).toBe('gold');
    expect(readField(row, 'custom_attributes.none')).toBeNull();
    expect(readField({}, 'custom_attributes.tier')).toBeNull();
  });

  it('nest flat fields into an API body without touching the row they came from', () => {
    const attributes = { tier: 'gold' };
    const body = nestFields({ custom_attributes: attributes, 'custom_attributes.seats': 3, name: 'A' });
    expect(body).toEqual({ custom_attributes: { tier: 'gold', seats: 3 }, name: 'A' });
    expect(attributes).toEqual({ tier: 'gold' });
  });
});
