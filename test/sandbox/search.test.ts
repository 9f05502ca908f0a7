// Contact search as the live API plays it: the operator set, its limits and errors, dates
// compared by day, sort, pagination in the body, and the index lag after changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { apiClient, control, type Api } from './support/api.js';

const DAY = 86_400;
let sandbox: Sandbox;
let api: Api;

beforeAll(async () => {
  sandbox = await startSandbox({ contacts: 2000, companies: 30, seed: 5, rateLimit: 0 });
  api = apiClient(sandbox);
});
afterAll(async () => sandbox.close());

const search = (query: unknown, extra: Record<string, unknown> = {}) =>
  api('POST', '/contacts/search', { query, pagination: { per_page: 150 }, ...extra });

/** Every match of a query, following the cursors in the body. */
async function searchAll(query: unknown, sort?: unknown): Promise<any[]> {
  const out: any[] = [];
  let after: string | undefined;
  do {
    const page = await api('POST', '/contacts/search', {
      query,
      sort,
      pagination: { per_page: 150, ...(after ? { starting_after: after } : {}) },
    });
    expect(page.status).toBe(200);
    out.push(...page.body.data);
    after = page.body.pages.next?.starting_after;
  } while (after);
  return out;
}

const active = () => [...sandbox.store.contacts.values()].filter((c) => c.state === 'active');

describe('dates are compared by day', () => {
  it('reads > T as "from the midnight after T\'s day", so same-day later records are missed', async () => {
    // Two contacts created on the same day: the later one is after T by the second, not by the day.
    const all = active().sort((a, b) => a.created_at - b.created_at);
    const i = all.findIndex(
      (c, k) =>
        k + 1 < all.length && Math.floor(all[k + 1]!.created_at / DAY) === Math.floor(c.created_at / DAY),
    );
    const [target, laterSameDay] = [all[i]!, all[i + 1]!];
    expect(laterSameDay.created_at).toBeGreaterThan(target.created_at);
    const t = target.created_at;
    const results = await searchAll({ field: 'created_at', operator: '>', value: t });
    const nextMidnight = Math.floor(t / DAY) * DAY + DAY;
    expect(results.every((c) => c.created_at >= nextMidnight)).toBe(true);
    expect(results.length).toBe(active().filter((c) => c.created_at >= nextMidnight).length);
    expect(results.map((c) => c.id)).not.toContain(laterSameDay.id);
  });

  it("reads = T as the whole of T's day, and < T as before that day", async () => {
    const t = active()[800]!.created_at;
    const dayStart = Math.floor(t / DAY) * DAY;
    const sameDay = await searchAll({ field: 'created_at', operator: '=', value: t + 3600 });
    expect(sameDay.length).toBe(
      active().filter((c) => c.created_at >= dayStart && c.created_at < dayStart + DAY).length,
    );
    expect(sameDay.length).toBeGreaterThan(0);
    const before = await searchAll({ field: 'created_at', operator: '<', value: t });
    expect(before.length).toBe(active().filter((c) => c.created_at < dayStart).length);
    // Results still carry full-second timestamps.
    expect(sameDay.some((c) => c.created_at % DAY !== 0)).toBe(true);
  });

  it('refuses operators dates do not support', async () => {
    for (const operator of ['!=', '>=', '<=', 'IN']) {
      const value = operator === 'IN' ? [1] : 1_600_000_000;
      const response = await search({ field: 'updated_at', operator, value });
      expect(response.status, operator).toBe(400);
      expect(response.body.errors[0].code).toBe('invalid_operator');
    }
  });
});

describe('operators', () => {
  it('matches strings with = != IN NIN ~ !~ ^ $', async () => {
    const sample = active().find((c) => c.email && c.name && c.role === 'user')!;
    const domain = sample.email!.split('@')[1]!;
    const cases: Array<[unknown, (c: typeof sample) => boolean]> = [
      [
        { field: 'email', operator: '=', value: sample.email },
        (c) => c.email?.toLowerCase() === sample.email!.toLowerCase(),
      ],
      [{ field: 'role', operator: '!=', value: 'user' }, (c) => c.role !== 'user'],
      [{ field: 'role', operator: 'IN', value: ['lead'] }, (c) => c.role === 'lead'],
      [{ field: 'role', operator: 'NIN', value: ['lead'] }, (c) => c.role !== 'lead'],
      [
        { field: 'email', operator: '$', value: `@${domain}` },
        (c) => !!c.email?.toLowerCase().endsWith(`@${domain}`),
      ],
      [
        { field: 'name', operator: '^', value: sample.name!.slice(0, 3) },
        (c) => !!c.name?.toLowerCase().startsWith(sample.name!.slice(0, 3).toLowerCase()),
      ],
      [
        { field: 'name', operator: '~', value: sample.name!.slice(1, 4) },
        (c) => !!c.name?.toLowerCase().includes(sample.name!.slice(1, 4).toLowerCase()),
      ],
      [{ field: 'email', operator: '!~', value: domain }, (c) => !c.email?.toLowerCase().includes(domain)],
    ];
    for (const [query, expected] of cases) {
      const results = await searchAll(query);
      expect(results.length, JSON.stringify(query)).toBe(active().filter(expected).length);
    }
  });

  it('matches numbers, booleans, custom attributes, tags and segments', async () => {
    const tag = [...sandbox.store.tags.values()][5]!;
    const checks: Array<[unknown, number]> = [
      [
        { field: 'custom_attributes.seats', operator: '>', value: 250 },
        active().filter((c) => (c.custom_attributes.seats as number) > 250).length,
      ],
      [
        { field: 'custom_attributes.is_vip', operator: '=', value: true },
        active().filter((c) => c.custom_attributes.is_vip === true).length,
      ],
      [
        { field: 'unsubscribed_from_emails', operator: '=', value: true },
        active().filter((c) => c.unsubscribed_from_emails).length,
      ],
      [
        { field: 'tag_id', operator: '=', value: tag.id },
        active().filter((c) => c.tagIds.includes(tag.id)).length,
      ],
      [{ field: 'email', operator: '=', value: null }, active().filter((c) => c.email === null).length],
    ];
    for (const [query, count] of checks)
      expect((await searchAll(query)).length, JSON.stringify(query)).toBe(count);
    const leads = [...sandbox.store.segments.values()].find((s) => s.name === 'All leads')!;
    expect((await searchAll({ field: 'segment_id', operator: '=', value: leads.id })).length).toBe(
      active().filter((c) => c.role === 'lead').length,
    );
  });

  it('combines AND and OR groups nested two deep', async () => {
    const query = {
      operator: 'AND',
      value: [
        { field: 'role', operator: '=', value: 'user' },
        {
          operator: 'OR',
          value: [
            { field: 'custom_attributes.plan_tier', operator: '=', value: 'pro' },
            { field: 'custom_attributes.is_vip', operator: '=', value: true },
          ],
        },
      ],
    };
    const expected = active().filter(
      (c) =>
        c.role === 'user' && (c.custom_attributes.plan_tier === 'pro' || c.custom_attributes.is_vip === true),
    );
    expect((await searchAll(query)).length).toBe(expected.length);
  });
});

describe('limits and errors', () => {
  const leaf = { field: 'role', operator: '=', value: 'user' };

  it('refuses a third level of nesting', async () => {
    const response = await search({
      operator: 'AND',
      value: [{ operator: 'OR', value: [{ operator: 'AND', value: [leaf] }] }],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].code).toBe('invalid_values');
  });

  it('refuses more than 15 filters in a group', async () => {
    expect((await search({ operator: 'OR', value: Array(15).fill(leaf) })).status).toBe(200);
    const response = await search({ operator: 'OR', value: Array(16).fill(leaf) });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].message).toMatch(/greater than 15/);
  });

  it('names the invalid field, operator, value and sort order', async () => {
    const cases: Array<[unknown, string, Record<string, unknown>?]> = [
      [{ field: 'shoe_size', operator: '=', value: 1 }, 'invalid_field'],
      [{ field: 'email', operator: '>', value: 'a' }, 'invalid_operator'],
      [{ operator: 'XOR', value: [leaf] }, 'invalid_operator'],
      [{ field: 'email', operator: '=', value: 123 }, 'invalid_value'],
      [{ field: 'email', operator: 'IN', value: 'a' }, 'invalid_value'],
      [{ field: 'email' }, 'invalid_query'],
      [leaf, 'invalid_sort_order', { sort: { field: 'created_at', order: 'desc' } }],
      [leaf, 'bad_request', { random_param: 1 }],
    ];
    for (const [query, code, extra] of cases) {
      const response = await search(query, extra);
      expect(response.status, JSON.stringify(query)).toBe(400);
      expect(response.body.errors[0].code, JSON.stringify(query)).toBe(code);
    }
  });
});

describe('sort and pagination', () => {
  it('pages through every match once, in the requested order', async () => {
    for (const sort of [
      { field: 'updated_at', order: 'ascending' },
      { field: 'created_at', order: 'descending' },
      { field: 'name', order: 'ascending' },
      { field: 'custom_attributes.mrr', order: 'descending' },
    ]) {
      const results = await searchAll({ field: 'role', operator: '=', value: 'user' }, sort);
      expect(new Set(results.map((c) => c.id)).size, sort.field).toBe(results.length);
      expect(results.length).toBe(active().filter((c) => c.role === 'user').length);
      // A contact without the attribute (one another test created, say) sorts as null: lowest.
      const values = results.map((c) =>
        sort.field.startsWith('custom_attributes.') ? (c.custom_attributes.mrr ?? null) : c[sort.field],
      );
      const sorted = [...values].sort((a, b) =>
        a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1,
      );
      expect(values, sort.field).toEqual(sort.order === 'ascending' ? sorted : sorted.reverse());
    }
  });

  it('ignores starting_after in the URL and returns page 1 again', async () => {
    const first = await search({ field: 'role', operator: '=', value: 'user' });
    const cursor = first.body.pages.next.starting_after;
    const again = await api('POST', `/contacts/search?starting_after=${encodeURIComponent(cursor)}`, {
      query: { field: 'role', operator: '=', value: 'user' },
      pagination: { per_page: 150 },
    });
    expect(again.body.data.map((c: any) => c.id)).toEqual(first.body.data.map((c: any) => c.id));
    expect(again.body.pages.page).toBe(1);
  });

  it('defaults to 50 per page and caps at 150', async () => {
    const def = await api('POST', '/contacts/search', {
      query: { field: 'role', operator: '=', value: 'user' },
    });
    expect(def.body.data).toHaveLength(50);
    const big = await api('POST', '/contacts/search', {
      query: { field: 'role', operator: '=', value: 'user' },
      pagination: { per_page: 500 },
    });
    expect(big.body.data).toHaveLength(150);
  });
});

describe('search index lag', () => {
  it('misses a new contact and sees the old values of a changed one until the lag has passed', async () => {
    // The lag passes on the sandbox's clock, shifted through the control API.
    const idle = async (seconds: number) => {
      const { clockOffsetSeconds } = (await control(sandbox, 'GET', '/settings')).body;
      await control(sandbox, 'PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + seconds });
    };
    const { clockOffsetSeconds: offsetBefore } = (await control(sandbox, 'GET', '/settings')).body;
    sandbox.updateSettings({ searchLagSeconds: 60 });
    try {
      const created = await api('POST', '/contacts', { role: 'user', external_id: 'lag-1', name: 'Before' });
      const byExternal = { field: 'external_id', operator: '=', value: 'lag-1' };
      expect((await search(byExternal)).body.data).toHaveLength(0);
      expect((await api('GET', `/contacts/${created.body.id}`)).status).toBe(200);
      await idle(59);
      expect((await search(byExternal)).body.data).toHaveLength(0);
      await idle(2);
      expect((await search(byExternal)).body.data).toHaveLength(1);

      await api('PUT', `/contacts/${created.body.id}`, { name: 'After' });
      expect((await search({ field: 'name', operator: '=', value: 'After' })).body.data).toHaveLength(0);
      expect((await search({ field: 'name', operator: '=', value: 'Before' })).body.data).toHaveLength(1);
      await idle(61);
      expect((await search({ field: 'name', operator: '=', value: 'After' })).body.data).toHaveLength(1);
      expect((await search({ field: 'name', operator: '=', value: 'Before' })).body.data).toHaveLength(0);
    } finally {
      sandbox.updateSettings({ searchLagSeconds: 0, clockOffsetSeconds: offsetBefore });
    }
  });
});
