// Reads one page ahead of the writer: while page N is written, the request for page N+1 is already
// out. A sequential reader (the companies scroll, one contacts partition) otherwise waits for every
// write before it asks again, so its wall time was the sum of both.

/**
 * Iterates `pages`, asking for the next item as soon as the current one is handed out. Items still
 * reach the loop body one at a time and in order; an error of the read ahead is thrown when that
 * item is reached. Breaking out (or throwing) closes the source after the read in flight settles.
 * @example for await (const page of readAhead(client.companies.scroll())) await save(page.items);
 */
export async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const source = pages[Symbol.asyncIterator]();
  let next = source.next();
  let done = false;
  try {
    for (;;) {
      const current = await next;
      if (current.done) {
        done = true;
        return;
      }
      next = source.next();
      // Not awaited until the loop body is done: a failure is reported there, never as unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    if (!done) {
      // Let the read in flight finish (or fail) before closing, so the source is not left running.
      await next.catch(() => undefined);
      await source.return?.();
    }
  }
}
