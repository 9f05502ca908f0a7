// Reading one page ahead of the writer (src/sync/read-ahead.ts): the next page is asked for while the
// current one is written, pages still arrive one at a time and in order, a failed read surfaces at
// its page, and stopping early closes the source.
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../src/sync/read-ahead.js';

/** A source of pages 1..n that logs when each is asked for and when it is closed; page `failAt` fails. */
function source(n: number, log: string[], failAt?: number) {
  return (async function* () {
    try {
      for (let i = 1; i <= n; i++) {
        log.push(`read ${i}`);
        await Promise.resolve();
        if (i === failAt) throw new Error(`page ${i} failed`);
        yield i;
      }
    } finally {
      log.push('closed');
    }
  })();
}

describe('readAhead', () => {
  it('asks for page N+1 before page N is written, and hands pages over in order', async () => {
    const log: string[] = [];
    for await (const page of readAhead(source(3, log))) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.push(`wrote ${page}`);
    }
    // The source's end is found (and it closes) while the last page is still being written.
    expect(log).toEqual(['read 1', 'read 2', 'wrote 1', 'read 3', 'wrote 2', 'closed', 'wrote 3']);
  });

  it('reports a failed read at its page, after the pages before it are written', async () => {
    const log: string[] = [];
    const written: number[] = [];
    await expect(
      (async () => {
        for await (const page of readAhead(source(5, log, 3))) written.push(page);
      })(),
    ).rejects.toThrow('page 3 failed');
    expect(written).toEqual([1, 2]);
    expect(log.at(-1)).toBe('closed');
  });

  it('closes the source when the writer stops early, after the read in flight', async () => {
    const log: string[] = [];
    for await (const page of readAhead(source(5, log))) {
      if (page === 2) break;
    }
    expect(log).toEqual(['read 1', 'read 2', 'read 3', 'closed']);
  });
});
