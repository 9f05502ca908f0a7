// Every paging style reaches the last page, in both the spec's and the live API's shapes.
import { describe, expect, it } from 'vitest';
import { company, contact, fakeIntercomPerTest, type Reply } from './fake-intercom.js';

const fake = fakeIntercomPerTest();
const serve = (handler: Parameters<typeof fake.serve>[0]) => fake.serve(handler);

async function collect<P>(pages: AsyncIterable<P>): Promise<P[]> {
  const all: P[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

const cursorReply = (ids: string[], next: string | undefined): Reply => ({
  body: {
    type: 'list',
    data: ids.map(contact),
    total_count: 5,
    pages: {
      type: 'pages',
      page: 1,
      per_page: 2,
      total_pages: 3,
      ...(next && { next: { page: 2, starting_after: next } }),
    },
  },
});

describe('contact cursor listing', () => {
  it('follows starting_after until pages.next is absent and hands out each cursor', async () => {
    const intercom = await serve((request) => {
      const after = request.query.get('starting_after');
      if (!after) return cursorReply(['a', 'b'], 'cur+/1=');
      if (after === 'cur+/1=') return cursorReply(['c', 'd'], 'cur2');
      return cursorReply(['e'], undefined);
    });
    const pages = await collect(intercom.contacts.list({ perPage: 2 }));
    expect(pages.map((p) => p.items.map((c) => c.id))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(pages.map((p) => p.nextStartingAfter)).toEqual(['cur+/1=', 'cur2', undefined]);
    expect(fake.server.requests.map((r) => r.query.get('per_page'))).toEqual(['2', '2', '2']);
  });

  it('never asks for more than 150 contacts a page', async () => {
    const intercom = await serve(() => cursorReply(['a'], undefined));
    await collect(intercom.contacts.list({ perPage: 1000 }));
    expect(fake.server.requests[0]!.query.get('per_page')).toBe('150');
  });
});

describe('contact search', () => {
  const query = { field: 'updated_at', operator: '>', value: 1_700_000_000 } as const;

  it('sends pagination in the body, not the URL, until the last page', async () => {
    const intercom = await serve((request) => {
      const after = (request.body as { pagination: { starting_after?: string } }).pagination.starting_after;
      return after === undefined ? cursorReply(['a', 'b'], 'next-1') : cursorReply(['c'], undefined);
    });
    const pages = await collect(
      intercom.contacts.search(query, { perPage: 2, sort: { field: 'updated_at', order: 'ascending' } }),
    );
    expect(pages.flatMap((p) => p.items.map((c) => c.id))).toEqual(['a', 'b', 'c']);
    const [first, second] = fake.server.requests;
    expect(first!.method).toBe('POST');
    expect(first!.query.size).toBe(0);
    expect(first!.body).toEqual({
      query,
      pagination: { per_page: 2 },
      sort: { field: 'updated_at', order: 'ascending' },
    });
    expect(second!.body).toMatchObject({ pagination: { per_page: 2, starting_after: 'next-1' } });
  });

  it('resumes from a saved cursor', async () => {
    const intercom = await serve(() => cursorReply(['z'], undefined));
    const pages = await collect(intercom.contacts.search(query, { startingAfter: 'saved' }));
    expect(fake.server.requests[0]!.body).toMatchObject({
      pagination: { per_page: 150, starting_after: 'saved' },
    });
    expect(pages[0]!.startingAfter).toBe('saved');
  });
});

describe('companies scroll', () => {
  it('passes scroll_param along and stops at the first empty page', async () => {
    // Intercom hands back the same scroll_param on every page; only the empty page ends the scroll.
    const batches = [[company('1'), company('2')], [company('3')], []];
    const intercom = await serve((_request, index) => ({
      body: { type: 'list', data: batches[index] ?? [], pages: null, scroll_param: 's1' },
    }));
    const pages = await collect(intercom.companies.scroll());
    expect(pages.flatMap((p) => p.items.map((c) => c.id))).toEqual(['1', '2', '3']);
    expect(fake.server.requests.map((r) => r.query.get('scroll_param'))).toEqual([null, 's1', 's1']);
    expect(fake.server.requests.every((r) => r.path === '/companies/scroll')).toBe(true);
  });

  it('makes a second open scroll and an expired one recognisable', async () => {
    const intercom = await serve((_r, index): Reply =>
      index === 0
        ? {
            status: 400,
            body: {
              type: 'error.list',
              errors: [{ code: 'scroll_exists', message: 'scroll already exists for this app' }],
            },
          }
        : {
            status: 404,
            body: {
              type: 'error.list',
              errors: [{ code: 'not_found', message: 'scroll parameter not found' }],
            },
          },
    );
    await expect(collect(intercom.companies.scroll())).rejects.toMatchObject({
      code: 'scroll_exists',
      status: 400,
    });
    await expect(collect(intercom.companies.scroll({ scrollParam: 'old' }))).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    });
    expect(fake.server.requests).toHaveLength(2);
  });
});

describe('page-numbered lists', () => {
  const companyPage = (
    key: 'data' | 'companies',
    page: number,
    totalPages: number,
    ids: string[],
  ): Reply => ({
    body: {
      type: 'list',
      [key]: ids.map(company),
      total_count: 3,
      pages: {
        type: 'pages',
        page,
        per_page: 2,
        total_pages: totalPages,
        next: page < totalPages ? `https://api/companies?page=${page + 1}` : null,
      },
    },
  });

  it.each(['data', 'companies'] as const)('lists every company when the array is under "%s"', async (key) => {
    const intercom = await serve((request) => {
      const page = Number(request.query.get('page'));
      return page === 1 ? companyPage(key, 1, 2, ['1', '2']) : companyPage(key, 2, 2, ['3']);
    });
    const pages = await collect(intercom.companies.list({ perPage: 2 }));
    expect(pages.flatMap((p) => p.items.map((c) => c.id))).toEqual(['1', '2', '3']);
    expect(fake.server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2']);
  });

  it("reads every page of a contact's notes", async () => {
    const note = (id: string) => ({
      type: 'note',
      id,
      created_at: 1,
      body: `<p>${id}</p>`,
      user: { type: 'contact', id: 'c1' },
    });
    const intercom = await serve((request) => {
      const page = Number(request.query.get('page') ?? '1');
      return {
        body: {
          type: 'list',
          data: page === 1 ? [note('n1'), note('n2')] : [note('n3')],
          total_count: 3,
          pages: {
            type: 'pages',
            page,
            per_page: 2,
            total_pages: 2,
            ...(page === 1 && { next: 'https://api/contacts/c1/notes?page=2' }),
          },
        },
      };
    });
    const pages = await collect(intercom.contacts.notes('c1'));
    expect(pages.flatMap((p) => p.items.map((n) => n.id))).toEqual(['n1', 'n2', 'n3']);
    expect(fake.server.requests.map((r) => r.path)).toEqual(['/contacts/c1/notes', '/contacts/c1/notes']);
  });

  it('treats an unpaged tag, segment or company list of a contact as one page', async () => {
    const intercom = await serve((request) => {
      if (request.path.endsWith('/tags'))
        return { body: { type: 'list', data: [{ type: 'tag', id: 't1', name: 'vip' }] } };
      if (request.path.endsWith('/segments'))
        return { body: { type: 'list', data: [{ type: 'segment', id: 's1', name: 'active' }] } };
      return { body: { type: 'list', companies: [company('9')] } };
    });
    expect((await collect(intercom.contacts.tags('c/1'))).map((p) => p.items.map((t) => t.name))).toEqual([
      ['vip'],
    ]);
    expect((await collect(intercom.contacts.segments('c/1'))).map((p) => p.items.map((s) => s.id))).toEqual([
      ['s1'],
    ]);
    expect((await collect(intercom.contacts.companies('c/1'))).map((p) => p.items.map((c) => c.id))).toEqual([
      ['9'],
    ]);
    expect(fake.server.requests.map((r) => r.path)).toEqual([
      '/contacts/c%2F1/tags',
      '/contacts/c%2F1/segments',
      '/contacts/c%2F1/companies',
    ]);
  });
});

describe('company look-up by company_id', () => {
  it('accepts a single company, a list, and a 404', async () => {
    const intercom = await serve((_request, index) => {
      if (index === 0) return { body: company('1') };
      if (index === 1)
        return {
          body: {
            type: 'list',
            data: [company('2')],
            pages: { type: 'pages', page: 1, total_pages: 1, next: null },
          },
        };
      return {
        status: 404,
        body: { type: 'error.list', errors: [{ code: 'company_not_found', message: 'Company Not Found' }] },
      };
    });
    expect((await intercom.companies.findByCompanyId('acme'))?.id).toBe('1');
    expect((await intercom.companies.findByCompanyId('acme'))?.id).toBe('2');
    expect(await intercom.companies.findByCompanyId('acme')).toBeUndefined();
    expect(fake.server.requests.map((r) => `${r.path}?${r.query.toString()}`)).toEqual(
      Array(3).fill('/companies?company_id=acme'),
    );
  });
});
