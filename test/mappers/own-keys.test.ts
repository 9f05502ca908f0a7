// Custom-attribute keys that name Object.prototype's members (`toString`, `constructor`,
// `__proto__`) are keys like any other: merged, diffed, read and sent as the user wrote them, and
// nothing is polluted.
import { describe, expect, it } from 'vitest';
import { planFieldPush, toApiBody, type LocalChange } from '../../src/mappers/field-merge.js';
import { readField } from '../../src/mappers/field-path.js';
import { canonicalJson, jsonEqual } from '../../src/mappers/json.js';

const T0 = new Date('2024-05-01T10:00:00Z');

/** Parsed as jsonb rows arrive: `__proto__` is then an own key, as JSON.parse makes it. */
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

function push(before: string, after: string, current: string) {
  const change: LocalChange = {
    id: 1,
    op: 'update',
    changedColumns: ['custom_attributes'],
    oldData: { custom_attributes: json(before) },
    newData: { custom_attributes: json(after) },
    createdAt: T0,
  };
  return planFieldPush({
    changes: [change],
    current: { custom_attributes: json(current) },
    remoteUpdatedAt: null,
    pushable: new Set(['custom_attributes']),
    policyFor: () => 'newest-wins',
  });
}

describe('custom attributes named like Object.prototype members', () => {
  it('a removed `toString` is sent as null (it was marked done and never sent)', () => {
    const plan = push('{"toString":"x","tier":"a"}', '{"tier":"a"}', '{"toString":"x","tier":"a"}');
    expect(plan.push).toEqual({ 'custom_attributes.toString': null });
    expect(JSON.stringify(toApiBody(plan.push))).toBe('{"custom_attributes":{"toString":null}}');
  });

  it('a `__proto__` and a `constructor` change are sent as keys of the body, and nothing is polluted', () => {
    const plan = push('{}', '{"__proto__":"p","constructor":"c"}', '{}');
    expect(Object.keys(plan.push).sort()).toEqual([
      'custom_attributes.__proto__',
      'custom_attributes.constructor',
    ]);
    const body = JSON.stringify(toApiBody(plan.push));
    expect(JSON.parse(body)).toEqual(json('{"custom_attributes":{"__proto__":"p","constructor":"c"}}'));
    expect(body).toContain('"__proto__":"p"');
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('p');
  });

  it('a key absent on both sides is no change, whatever its name', () => {
    expect(push('{"tier":"a"}', '{"tier":"b"}', '{"tier":"a"}').push).toEqual({
      'custom_attributes.tier': 'b',
    });
    expect(readField({ custom_attributes: {} }, 'custom_attributes.constructor')).toBeNull();
    expect(readField({ custom_attributes: {} }, 'custom_attributes.toString')).toBeNull();
  });

  it('JSON equality keeps a `__proto__` key instead of dropping it', () => {
    expect(canonicalJson(json('{"__proto__":{"a":1}}'))).toBe('{"__proto__":{"a":1}}');
    expect(jsonEqual(json('{"__proto__":1}'), {})).toBe(false);
  });
});
