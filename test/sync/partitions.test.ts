import { describe, expect, it } from 'vitest';
import { dayStart, planContactPartitions } from '../../src/sync/partitions.js';

const DAY = 86_400;

/**
 * The sandbox's and Intercom's day-granular reading of a created_at condition
 * (docs/intercom-api.md#timestamps-compare-by-day).
 */
function matches(query: unknown, createdAt: number): boolean {
  const q = query as { field?: string; operator: string; value: number | unknown[] };
  if (q.operator === 'AND') return (q.value as unknown[]).every((f) => matches(f, createdAt));
  if (q.operator === 'OR') return (q.value as unknown[]).some((f) => matches(f, createdAt));
  const day = dayStart(createdAt);
  const valueDay = dayStart(q.value as number);
  if (q.operator === '>') return day > valueDay;
  if (q.operator === '<') return day < valueDay;
  if (q.operator === '=') return day === valueDay;
  throw new Error(`unexpected operator ${q.operator}`);
}

describe('contact partitions', () => {
  it('put every created_at in exactly one partition, including days before, after and at the edges', () => {
    const oldest = 1_420_070_400 + 3_600 * 7; // 2015-01-01 07:00
    const newest = 1_732_406_400 + 3_600 * 23; // 2024-11-24 23:00
    const partitions = planContactPartitions(oldest, newest, 32);
    expect(partitions).toHaveLength(32);
    const probes: number[] = [0, oldest - DAY * 400, newest + DAY * 10];
    for (let t = dayStart(oldest); t <= newest + DAY; t += 3 * DAY + 3_599)
      probes.push(t, dayStart(t), dayStart(t) - 1);
    for (const t of probes) {
      const owners = partitions.filter((p) => matches(p.query, t));
      expect(
        owners.map((p) => p.key),
        `created_at ${t}`,
      ).toHaveLength(1);
    }
  });

  it('have stable keys, so a resumed run finds its checkpoints', () => {
    expect(planContactPartitions(1_600_000_000, 1_700_000_000, 8).map((p) => p.key)).toEqual(
      planContactPartitions(1_600_000_000, 1_700_000_000, 8).map((p) => p.key),
    );
  });

  it('never split a day: a one-day workspace is one partition that matches everyone', () => {
    const partitions = planContactPartitions(1_700_000_100, 1_700_000_900, 16);
    expect(partitions).toHaveLength(1);
    expect(matches(partitions[0]!.query, 1_700_000_500)).toBe(true);
    expect(matches(partitions[0]!.query, 5)).toBe(true);
  });
});
