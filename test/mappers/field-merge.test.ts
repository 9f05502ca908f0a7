// planFieldPush: what a push sends, field by field, given the local changes, the agreed base and
// Intercom's current state. Pure, so every rule is checked here without services.
import { describe, expect, it } from 'vitest';
import {
  planFieldPush,
  toApiBody,
  type ConflictPolicy,
  type LocalChange,
  type MergeInput,
} from '../../src/mappers/field-merge.js';

const PUSHABLE = new Set(['name', 'email', 'phone', 'custom_attributes', 'last_seen_at', 'archived']);
const T0 = new Date('2024-05-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let nextId = 1;
function change(
  oldData: Record<string, unknown>,
  newData: Record<string, unknown>,
  createdAt = at(0),
): LocalChange {
  const changedColumns = Object.keys(newData).filter(
    (k) => JSON.stringify(oldData[k]) !== JSON.stringify(newData[k]),
  );
  return { id: nextId++, op: 'update', changedColumns, oldData, newData, createdAt };
}

function plan(
  input: Partial<MergeInput> & Pick<MergeInput, 'changes' | 'current'>,
  policy: ConflictPolicy = 'newest-wins',
) {
  return planFieldPush({
    remoteUpdatedAt: null,
    pushable: PUSHABLE,
    timestamps: new Set(['last_seen_at']),
    policyFor: () => policy,
    ...input,
  });
}

describe('planFieldPush', () => {
  it('a field changed only locally is pushed', () => {
    const result = plan({ changes: [change({ name: 'A' }, { name: 'B' })], current: { name: 'A' } });
    expect(result).toEqual({ push: { name: 'B' }, conflicts: [] });
  });

  it('a field changed only in Intercom is left alone', () => {
    const result = plan({
      changes: [change({ name: 'A', phone: '1' }, { name: 'A', phone: '2' })],
      current: { name: 'Z', phone: '1' },
    });
    expect(result).toEqual({ push: { phone: '2' }, conflicts: [] });
  });

  it('several edits to a field push the last value against the first base', () => {
    const changes = [
      change({ name: 'A' }, { name: 'B' }),
      change({ name: 'B' }, { name: 'C' }),
      change({ name: 'C' }, { name: 'D' }),
    ];
    expect(plan({ changes, current: { name: 'A' } }).push).toEqual({ name: 'D' });
  });

  it('Intercom holding a value one of the changes set is our own earlier push, not a conflict: the last value is pushed', () => {
    // A push sent B, then lost its write-back (a kill, a Postgres restart); the retry claims the
    // changes again with C made since, and Intercom's B carries a time later than C's edit.
    const changes = [
      change({ name: 'A' }, { name: 'B' }, at(1)),
      change({ name: 'B' }, { name: 'C' }, at(2)),
    ];
    const result = plan({ changes, current: { name: 'B' }, remoteUpdatedAt: at(5) });
    expect(result).toEqual({ push: { name: 'C' }, conflicts: [] });
    // Changed back since: Intercom must be told, it holds our B.
    const back = [change({ name: 'A' }, { name: 'B' }, at(1)), change({ name: 'B' }, { name: 'A' }, at(2))];
    expect(plan({ changes: back, current: { name: 'B' }, remoteUpdatedAt: at(5) }).push).toEqual({
      name: 'A',
    });
  });

  it('a field changed and changed back sends nothing', () => {
    const changes = [change({ name: 'A' }, { name: 'B' }), change({ name: 'B' }, { name: 'A' })];
    expect(plan({ changes, current: { name: 'A' } })).toEqual({ push: {}, conflicts: [] });
  });

  it('both sides making the same change is no conflict and sends nothing', () => {
    expect(plan({ changes: [change({ name: 'A' }, { name: 'B' })], current: { name: 'B' } })).toEqual({
      push: {},
      conflicts: [],
    });
  });

  it('custom attributes merge per key: different keys on each side are no conflict', () => {
    const changes = [
      change({ custom_attributes: { tier: 'a', seats: 1 } }, { custom_attributes: { tier: 'b', seats: 1 } }),
    ];
    const result = plan({ changes, current: { custom_attributes: { tier: 'a', seats: 9 } } });
    expect(result).toEqual({ push: { 'custom_attributes.tier': 'b' }, conflicts: [] });
    expect(toApiBody(result.push)).toEqual({ custom_attributes: { tier: 'b' } });
  });

  it('a custom attribute removed locally is pushed as null', () => {
    const changes = [change({ custom_attributes: { tier: 'a' } }, { custom_attributes: {} })];
    expect(plan({ changes, current: { custom_attributes: { tier: 'a' } } }).push).toEqual({
      'custom_attributes.tier': null,
    });
  });

  describe('the same field changed on both sides', () => {
    const both = (createdAt: Date) => ({
      changes: [change({ name: 'A' }, { name: 'Local' }, createdAt)],
      current: { name: 'Remote' },
      remoteUpdatedAt: at(10),
    });

    it('newest-wins takes Intercom when its change is later', () => {
      const result = plan(both(at(5)));
      expect(result.push).toEqual({});
      expect(result.conflicts).toEqual([
        {
          field: 'name',
          base: 'A',
          local: 'Local',
          remote: 'Remote',
          policy: 'newest-wins',
          decision: 'remote',
        },
      ]);
    });

    it('newest-wins takes Postgres when its change is later', () => {
      const result = plan(both(at(15)));
      expect(result.push).toEqual({ name: 'Local' });
      expect(result.conflicts[0]).toMatchObject({ decision: 'local' });
    });

    it("newest-wins takes Postgres when Intercom's time is unknown", () => {
      expect(plan({ ...both(at(5)), remoteUpdatedAt: null }).push).toEqual({ name: 'Local' });
    });

    it('intercom-wins and postgres-wins ignore the clock', () => {
      expect(plan(both(at(15)), 'intercom-wins')).toMatchObject({
        push: {},
        conflicts: [{ decision: 'remote', policy: 'intercom-wins' }],
      });
      expect(plan(both(at(5)), 'postgres-wins')).toMatchObject({
        push: { name: 'Local' },
        conflicts: [{ decision: 'local' }],
      });
    });

    it('the policy is asked per field', () => {
      const result = planFieldPush({
        changes: [change({ name: 'A', email: 'a@x' }, { name: 'L', email: 'l@x' }, at(15))],
        current: { name: 'R', email: 'r@x' },
        remoteUpdatedAt: at(10),
        pushable: PUSHABLE,
        policyFor: (field) => (field === 'email' ? 'intercom-wins' : 'postgres-wins'),
      });
      expect(result.push).toEqual({ name: 'L' });
      expect(result.conflicts.map((c) => [c.field, c.decision]).sort()).toEqual([
        ['email', 'remote'],
        ['name', 'local'],
      ]);
    });
  });

  it('timestamps compare as instants, whatever shape each side stores them in', () => {
    const changes = [
      change({ last_seen_at: '2024-05-01T10:00:00+00:00' }, { last_seen_at: '2024-05-01T11:00:00.000Z' }),
    ];
    const result = plan({ changes, current: { last_seen_at: '2024-05-01T10:00:00.000Z' } });
    expect(result.push).toEqual({ last_seen_at: Math.floor(Date.parse('2024-05-01T11:00:00Z') / 1000) });
    const unchanged = plan({ changes, current: { last_seen_at: '2024-05-01T11:00:00+00:00' } });
    expect(unchanged.push).toEqual({});
  });

  it('columns Intercom does not take are never pushed', () => {
    const changes = [change({ browser: 'x', name: 'A' }, { browser: 'y', name: 'A' })];
    expect(plan({ changes, current: { browser: 'x' } })).toEqual({ push: {}, conflicts: [] });
  });

  it('an inserted row is pushed field by field against nothing', () => {
    const inserted: LocalChange = {
      id: nextId++,
      op: 'insert',
      changedColumns: ['name', 'email'],
      oldData: null,
      newData: { name: 'N', email: 'e@x' },
      createdAt: at(0),
    };
    expect(plan({ changes: [inserted], current: {} }).push).toEqual({ name: 'N', email: 'e@x' });
  });

  it('jsonb values compare by content, not key order', () => {
    const changes = [
      change({ custom_attributes: { o: { a: 1, b: 2 } } }, { custom_attributes: { o: { b: 2, a: 1 } } }),
    ];
    expect(plan({ changes, current: { custom_attributes: { o: { a: 1, b: 2 } } } }).push).toEqual({});
  });
});
