import { describe, expect, it } from 'vitest';
import {
  contactPartition,
  dayStart,
  partitionFromKey,
  planPartitionsByCount,
  type ContactPartition,
} from '../../src/sync/partitions.js';
import { Prng } from '../../src/sandbox/prng.js';

const DAY = 86_400;

interface Doc {
  readonly id: string;
  readonly createdAt: number;
}

/**
 * The sandbox's and Intercom's reading of a partition's query: created_at compared by day
 * (docs/intercom-api.md#timestamps-compare-by-day), `id $` as ends-with.
 */
function matches(query: unknown, doc: Doc): boolean {
  const q = query as { field?: string; operator: string; value: unknown };
  if (q.operator === 'AND') return (q.value as unknown[]).every((f) => matches(f, doc));
  if (q.operator === 'OR') return (q.value as unknown[]).some((f) => matches(f, doc));
  if (q.field === 'id' && q.operator === '$') return doc.id.endsWith(q.value as string);
  const day = dayStart(doc.createdAt);
  const valueDay = dayStart(q.value as number);
  if (q.operator === '>') return day > valueDay;
  if (q.operator === '<') return day < valueDay;
  if (q.operator === '=') return day === valueDay;
  throw new Error(`unexpected operator ${q.operator}`);
}

/** Query depth and group sizes search accepts (docs/intercom-api.md#search-operators-and-limits). */
function withinLimits(query: unknown, depth = 0): boolean {
  const q = query as { field?: string; value: unknown };
  if (q.field !== undefined) return true;
  const value = q.value as unknown[];
  return depth < 2 && value.length <= 15 && value.every((v) => withinLimits(v, depth + 1));
}

/** `count` contacts over ~3 years; `importShare` of them created between 09:00 and 11:00 on one day. */
function workspace(count: number, importShare: number, seed = 1): { docs: Doc[]; importDay: number } {
  const rng = new Prng(seed);
  const start = 1_600_000_000;
  const importDay = dayStart(start + 500 * DAY);
  const docs = Array.from({ length: count }, (_, i) => {
    const createdAt =
      rng.float() < importShare ? importDay + 9 * 3600 + rng.int(0, 7199) : start + rng.int(0, 1100 * DAY);
    // 24 hex digits ending in a counter, as Intercom's (ObjectId-shaped) ids do.
    const id = createdAt.toString(16).padStart(8, '0') + 'abcdef' + (1000 + i).toString(16).padStart(10, '0');
    return { id, createdAt };
  });
  return { docs, importDay };
}

async function plan(docs: readonly Doc[], wanted: number, counted: ContactPartition[] = []) {
  const times = docs.map((d) => d.createdAt);
  return planPartitionsByCount({
    oldest: Math.min(...times),
    newest: Math.max(...times),
    total: docs.length,
    wanted,
    count: async (p) => {
      counted.push(p);
      return docs.filter((d) => matches(p.query, d)).length;
    },
  });
}

function owners(partitions: readonly ContactPartition[], doc: Doc): string[] {
  return partitions.filter((p) => matches(p.query, doc)).map((p) => p.key);
}

describe('contact partitions planned by count', () => {
  it('cover a workspace with a bulk-import day exactly once, no partition holding much more than its share', async () => {
    const { docs, importDay } = workspace(6_000, 0.6);
    const partitions = await plan(docs, 20);
    const share = 6_000 / 20;
    for (const doc of docs) expect(owners(partitions, doc), doc.id).toHaveLength(1);
    // Days before, after and at the edges of the range (contacts created mid-sync) land once too.
    for (const createdAt of [0, 1_500_000_000, importDay, importDay + DAY - 1, 1_800_000_000, 2_000_000_000])
      expect(owners(partitions, { id: 'ffffffffabcdef00000001a7', createdAt })).toHaveLength(1);
    const sizes = partitions.map((p) => docs.filter((d) => matches(p.query, d)).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(share * 1.6);
    // The import day alone holds 60 %: it was split by id, into about as many slices as it holds shares.
    const importSlices = partitions.filter((p) => p.suffix !== null);
    expect(importSlices.length).toBeGreaterThanOrEqual(Math.floor(3_600 / share));
    expect(importSlices.every((p) => p.fromDay === importDay && p.toDay === importDay + DAY)).toBe(true);
    for (const p of partitions) expect(withinLimits(p.query), p.key).toBe(true);
  });

  it('cut an even workspace into about the partitions asked for, counting each once', async () => {
    const { docs } = workspace(10_000, 0);
    const counted: ContactPartition[] = [];
    const partitions = await plan(docs, 24, counted);
    expect(partitions.length).toBeGreaterThanOrEqual(20);
    expect(partitions.length).toBeLessThanOrEqual(40);
    expect(partitions.every((p) => p.suffix === null)).toBe(true);
    expect(counted.length).toBeLessThanOrEqual(2 * partitions.length);
    for (const doc of docs.slice(0, 2000)) expect(owners(partitions, doc)).toHaveLength(1);
  });

  it('keep a workspace smaller than a page per partition in few partitions', async () => {
    const { docs } = workspace(400, 0);
    const partitions = await plan(docs, 48);
    expect(partitions.length).toBeLessThanOrEqual(4);
    for (const doc of docs) expect(owners(partitions, doc)).toHaveLength(1);
  });

  it('split a one-day workspace by id and still match everyone, whatever the day', async () => {
    const docs = Array.from({ length: 3000 }, (_, i) => ({
      id: `65a0000012345600000${(i + 4096).toString(16).padStart(5, '0')}`,
      createdAt: 1_700_000_100 + (i % 600),
    }));
    const partitions = await plan(docs, 8);
    expect(partitions.length).toBeGreaterThanOrEqual(8);
    for (const doc of [
      ...docs,
      { id: docs[0]!.id, createdAt: 5 },
      { id: docs[1]!.id, createdAt: 1_900_000_000 },
    ])
      expect(owners(partitions, doc)).toHaveLength(1);
  });

  it('have keys a resumed run rebuilds them from', async () => {
    const { docs } = workspace(5_000, 0.5);
    for (const p of await plan(docs, 16)) expect(partitionFromKey(p.key)).toEqual(p);
    expect(partitionFromKey(contactPartition(null, null).key)).toEqual(contactPartition(null, null));
    expect(partitionFromKey('created:12-')).toBeUndefined(); // not a midnight this version writes
    expect(partitionFromKey('tags')).toBeUndefined();
  });
});
