// Writes a batch so that one record Postgres refuses costs only that record: a refused batch is
// split in halves until each refused record stands alone, which is then parked with the reason
// and the rest of the page is written (docs/design.md#principle-7).
import { isRecordRejection } from '../db/errors.js';

/**
 * Runs `write` over `items`; when Postgres refuses it for what a row holds (isRecordRejection),
 * retries each half, down to single items, and hands every single refused item to `reject` with
 * the error. Any other failure is thrown as is. Returns the results of the writes that committed.
 * A batch with one bad record costs about 2·log2(n) extra statements.
 * @example const counts = await writeIsolated(rows, (part) => upsert(part), (row, error) => park(row, error));
 */
export async function writeIsolated<T, R>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<R>,
  reject: (item: T, error: Error) => Promise<void>,
): Promise<R[]> {
  if (items.length === 0) return [];
  try {
    return [await write(items)];
  } catch (error) {
    if (!isRecordRejection(error)) throw error;
    if (items.length === 1) {
      await reject(items[0]!, error as Error);
      return [];
    }
    const half = Math.ceil(items.length / 2);
    const first = await writeIsolated(items.slice(0, half), write, reject);
    const second = await writeIsolated(items.slice(half), write, reject);
    return [...first, ...second];
  }
}
