import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonEqual } from '../../src/mappers/json.js';

describe('the one notion of equal JSON', () => {
  it('ignores key order at every depth, keeps array order', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });

  it('drops undefined-valued keys, as jsonb does, and counts undefined as null', () => {
    expect(jsonEqual({ a: 1, gone: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual(undefined, null)).toBe(true);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });

  it('tells primitives of different types apart, and null from an empty object', () => {
    expect(jsonEqual(1, '1')).toBe(false);
    expect(jsonEqual(true, 'true')).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual(1, 1.0)).toBe(true);
  });

  it('compares Dates by what JSON makes of them (their instant), not as empty objects', () => {
    expect(jsonEqual(new Date(1000), new Date(2000))).toBe(false);
    expect(jsonEqual({ at: new Date(1000) }, { at: '1970-01-01T00:00:01.000Z' })).toBe(true);
  });
});
