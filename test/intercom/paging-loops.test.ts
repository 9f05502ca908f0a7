// A misbehaving server cannot loop a reader: a cursor handed out again, a numbered page other than
// the one asked for, or the same page twice in a row ends the read with a PagingLoopError.
import { describe, expect, it } from 'vitest';
import { PagingLoopError } from '../../src/intercom/pagination.js';
import { company, contact, fakeIntercomPerTest } from './fake-intercom.js';

const fake = fakeIntercomPerTest();
const serve = (handler: Parameters<typeof fake.serve>[0]) => fake.serve(handler);

/** Reads at most `limit` pages, so a reader that loops fails the test instead of hanging it. */
async function read<P>(pages: AsyncIterable<P>, limit = 50): Promise<P[]> {
  const all: P[] = [];
  for await (const page of pages) {
    all.push(page);
    if (all.length >= limit) throw new Error(`still reading after ${limit} pages`);
  }
  return all;
}

const cursorPage = (ids: string[], next: string) => ({
  body: { type: 'list', data: ids.map(contact), pages: { type: 'pages', next: { starting_after: next } } },
});

describe('a listing that would never end', () => {
  it('a cursor handed out a second time ends the read with an error naming it', async () => {
    const intercom = await serve((request) => {
      const after = request.query.get('starting_after');
      // a → b → a again: each page is new, the cycle is only in the cursors.
      return after === 'A'
        ? cursorPage(['c2'], 'B')
        : after === 'B'
          ? cursorPage(['c3'], 'A')
          : cursorPage(['c1'], 'A');
    });
    const pages: string[][] = [];
    const reading = (async () => {
      for await (const page of intercom.contacts.list()) pages.push(page.items.map((c) => c.id));
    })();
    await expect(reading).rejects.toThrow(PagingLoopError);
    await expect(reading).rejects.toThrow(/handed out the cursor "A" again/);
    expect(pages).toEqual([['c1'], ['c2']]);
    expect(fake.server.requests).toHaveLength(3);
  });

  it('a search whose next cursor is the one just used ends at once', async () => {
    const intercom = await serve((_request, index) => cursorPage([`c${index}`], 'SAME'));
    await expect(read(intercom.contacts.search({ field: 'id', operator: '=', value: 'x' }))).rejects.toThrow(
      PagingLoopError,
    );
    expect(fake.server.requests).toHaveLength(2);
  });

  it('numbered pages that keep answering page 1 end with an error, not forever', async () => {
    const intercom = await serve((_request, index) => ({
      body: {
        type: 'list',
        data: [company(`co${index}`)],
        pages: { type: 'pages', page: 1, next: 'https://api.intercom.io/companies?page=2', total_pages: 9 },
      },
    }));
    await expect(read(intercom.companies.list())).rejects.toThrow(
      /asked for page 2, the server answered page 1/,
    );
    expect(fake.server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2']);
  });

  it('numbered pages without a page number that repeat the same records end with an error', async () => {
    const intercom = await serve(() => ({
      body: { type: 'list', data: [company('a'), company('b')], pages: { type: 'pages', next: 'more' } },
    }));
    await expect(read(intercom.companies.list())).rejects.toThrow(/same 2 records as the page before/);
  });

  it('a scroll that serves the same page again ends with an error', async () => {
    const intercom = await serve(() => ({
      body: { type: 'list', data: [company('a'), company('b')], pages: null, scroll_param: 'p' },
    }));
    await expect(read(intercom.companies.scroll())).rejects.toThrow(PagingLoopError);
    expect(fake.server.requests).toHaveLength(2);
  });
});
