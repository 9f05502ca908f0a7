// Opens the transactions the sync writes the mirror in, marked so the outbox trigger skips them.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';

/** A connection the db functions accept: the pool, or a transaction the caller already opened. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Runs `fn` in a transaction with `intercom_sync.origin = 'sync'` set locally, so the capture
 * trigger of the two-way issue does not record the sync's own writes (docs/design.md#principle-3: no echo).
 * Given a transaction, it sets the flag on it and runs `fn` there, so a caller can put a batch and
 * the watermark that covers it in one commit.
 * @example await withSyncWrites(db, async (trx) => { await upsertContacts(trx, rows); await advanceWatermark(trx, 'contacts', to); });
 */
export function withSyncWrites<T>(db: Executor, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return withOrigin(db, 'sync', fn);
}

/**
 * Like withSyncWrites, for a push writing Intercom's answer back (`intercom_sync.origin = 'push'`):
 * not captured either, and the hold trigger (migration 0005) lets it write the columns of the changes
 * it is finishing (in flight) but keeps those of newer or failed changes, as it does for the sync.
 * @example await withPushWrites(db, (trx) => writePushedRecord(trx, 'intercom.contacts', rowId, row, knownAs));
 */
export function withPushWrites<T>(db: Executor, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return withOrigin(db, 'push', fn);
}

async function withOrigin<T>(
  db: Executor,
  origin: 'sync' | 'push',
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) {
    const trx = db as Transaction<Database>;
    await markOrigin(trx, origin);
    return fn(trx);
  }
  // Parallel partitions write links to shared rows (tags, companies); a deadlock or serialization
  // failure aborts one of them, and the whole batch is safe to run again (every write is idempotent).
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        await markOrigin(trx, origin);
        return fn(trx);
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== '40P01' && code !== '40001') || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 50 * attempt));
    }
  }
}

const MAX_ATTEMPTS = 5;

/**
 * The origin each open transaction was marked with: the db functions open their own
 * withSyncWrites inside the caller's, and marking it again was a statement each (a third of a
 * first sync's). A transaction object is never reused after it ends, so the entry dies with it.
 */
const marked = new WeakMap<Transaction<Database>, 'sync' | 'push'>();

async function markOrigin(trx: Transaction<Database>, origin: 'sync' | 'push'): Promise<void> {
  if (marked.get(trx) === origin) return;
  // SET LOCAL ends with the transaction, so a pooled connection never carries the flag further.
  await sql`select set_config('intercom_sync.origin', ${origin}, true)`.execute(trx);
  marked.set(trx, origin);
}
