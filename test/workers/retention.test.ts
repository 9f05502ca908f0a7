// Old history is pruned after its configured age, measured on the injected clock, in batches;
// work still to do (events to apply, failed or waiting changes, running runs) is never pruned.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/observability/logger.js';
import { retentionSweep } from '../../src/workers/retention.js';
import { createMigratedDatabase, type MigratedDatabase } from '../db/migrated-database.js';
import { ManualClock } from '../support/manual-clock.js';

let target: MigratedDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
  target = await createMigratedDatabase('retention');
  db = target.db;
});
afterAll(() => target.close());

const clock = new ManualClock(); // 2024-06-01
const daysAgo = (days: number) => new Date(clock.now() - days * 86_400_000);
const settings = { webhookEventsDays: 14, outboxDays: 14, runsDays: 30 };
const log = createLogger({ level: 'silent' });

async function event(status: string, age: number, n = 1) {
  for (let i = 0; i < n; i++)
    await sql`
      insert into intercom_sync.webhook_events (notification_id, topic, payload, status, received_at)
      values (${`${status}-${age}-${i}-${Math.random()}`}, 'contact.user.updated', '{"email":"a@b.c"}', ${status}, ${daysAgo(age)})`.execute(
      db,
    );
}
async function change(state: string, age: number) {
  await sql`
    insert into intercom_sync.outbox (entity, row_id, op, state, created_at, updated_at)
    values ('contact', 1, 'update', ${state}, ${daysAgo(age)}, ${daysAgo(age)})`.execute(db);
}
async function run(
  kind: string,
  status: string,
  finishedAge: number | null,
  startedAge: number,
): Promise<number> {
  const row = await sql<{ id: number }>`
    insert into intercom_sync.runs (kind, status, started_at, finished_at)
    values (${kind}, ${status}, ${daysAgo(startedAge)}, ${finishedAge === null ? null : daysAgo(finishedAge)})
    returning id::int as id`.execute(db);
  const id = row.rows[0]!.id;
  await sql`insert into intercom_sync.run_streams (run_id, stream) values (${id}, 'contacts')`.execute(db);
  return id;
}
const left = async (query: string) =>
  (await sql<{ v: string }>`${sql.raw(query)}`.execute(db)).rows.map((r) => r.v);

describe('retention', () => {
  it('prunes applied webhook events, pushed changes and finished runs past their age, and nothing else', async () => {
    await event('applied', 20, 5);
    await event('ignored', 15);
    await event('applied', 3);
    await event('received', 40); // not applied yet: work, not history
    await event('failed', 40); // in `failed list` until retried
    await change('done', 20);
    await change('superseded', 15);
    await change('done', 1);
    await change('failed', 40);
    await change('pending', 40);
    const oldFull = await run('full', 'succeeded', 40, 40);
    const newestFull = await run('full', 'failed', 35, 35); // the newest of its kind: status shows it
    const recent = await run('incremental', 'succeeded', 10, 10);
    const crashed = await run('incremental', 'crashed', null, 60);
    const oldIncremental = await run('incremental', 'succeeded', 31, 31);

    // Two rows per delete: the five old applied events take three.
    const prune = retentionSweep({ db, log, clock }, settings, { batchSize: 2 });
    expect(await prune()).toEqual({ pruned: { webhookEvents: 6, outbox: 2, runs: 2 } });

    expect(await left(`select status as v from intercom_sync.webhook_events order by 1`)).toEqual([
      'applied',
      'failed',
      'received',
    ]);
    expect(await left(`select state as v from intercom_sync.outbox order by 1`)).toEqual([
      'done',
      'failed',
      'pending',
    ]);
    expect((await left(`select id::text as v from intercom_sync.runs order by id`)).map(Number)).toEqual([
      newestFull,
      recent,
      crashed,
    ]);
    // A run's streams go with it.
    expect(
      await left(
        `select distinct run_id::text as v from intercom_sync.run_streams where run_id in (${oldFull}, ${oldIncremental})`,
      ),
    ).toEqual([]);

    // Nothing more is old enough until time moves on.
    expect(await prune()).toEqual({ pruned: { webhookEvents: 0, outbox: 0, runs: 0 } });
    await clock.advance(14 * 86_400_000);
    expect(await prune()).toEqual({ pruned: { webhookEvents: 1, outbox: 1, runs: 0 } });
  });

  it('0 days keeps a kind of row forever', async () => {
    await event('applied', 400);
    const keep = retentionSweep({ db, log, clock }, { webhookEventsDays: 0, outboxDays: 0, runsDays: 0 });
    expect(await keep()).toEqual({ pruned: { webhookEvents: 0, outbox: 0, runs: 0 } });
  });
});
