import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { readCheckpoints, saveCheckpoint } from '../../src/db/checkpoints.js';
import {
  addStreamFigures,
  findResumableRun,
  finishRun,
  finishStream,
  lastStreamRuns,
  startRun,
  startStream,
} from '../../src/db/runs.js';
import { withSyncWrites } from '../../src/db/sync-writes.js';
import { upsertContacts } from '../../src/db/upsert-contacts.js';
import { advanceWatermark, readWatermark } from '../../src/db/watermarks.js';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';
import { contactRow } from './payloads.js';

let target: MigratedDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  target = await createMigratedDatabase('runs');
  db = target.db;
});
afterAll(() => target.close());
beforeEach(async () => {
  await sql`truncate intercom_sync.runs, intercom_sync.watermarks, intercom.contacts cascade`.execute(db);
});

describe('run history', () => {
  it('records a run and its streams with their figures, newest first per stream', async () => {
    for (const fetched of [10, 20, 30]) {
      const runId = await startRun(db, { kind: 'incremental', trigger: 'cron' });
      await startStream(db, runId, 'contacts');
      await addStreamFigures(db, runId, 'contacts', { fetched, api_calls: 1 });
      await finishStream(db, runId, 'contacts', {
        status: 'succeeded',
        figures: { inserted: 2, api_calls: 1 },
      });
      await finishRun(db, runId, { status: 'succeeded' });
    }
    const failed = await startRun(db, { kind: 'full' });
    await startStream(db, failed, 'companies');
    await finishStream(db, failed, 'companies', { status: 'failed', error: 'scroll expired' });
    await finishRun(db, failed, { status: 'failed', error: 'scroll expired' });

    const history = await lastStreamRuns(db, { perStream: 2 });
    expect(history.map((h) => [h.stream, h.fetched])).toEqual([
      ['companies', 0],
      ['contacts', 30],
      ['contacts', 20],
    ]);
    expect(history[1]).toMatchObject({
      kind: 'incremental',
      trigger: 'cron',
      status: 'succeeded',
      inserted: 2,
      api_calls: 2,
    });
    expect(history[1]!.duration_ms).toEqual(expect.any(Number));
    expect(history[0]).toMatchObject({ status: 'failed', error: 'scroll expired', complete: false });
    expect(await lastStreamRuns(db, { kind: 'full' })).toHaveLength(1);
  });

  it('finds the newest full run that never finished, and none once a later one finished', async () => {
    expect(await findResumableRun(db)).toBeNull();
    const crashed = await startRun(db, { kind: 'full', options: { only: ['contacts'] } });
    expect(await findResumableRun(db)).toMatchObject({ id: crashed, options: { only: ['contacts'] } });
    expect(await findResumableRun(db, 'incremental')).toBeNull();
    const next = await startRun(db, { kind: 'full' });
    await finishRun(db, next, { status: 'succeeded' });
    expect(await findResumableRun(db)).toBeNull();
  });

  it('saves and reads partition checkpoints of a run', async () => {
    const runId = await startRun(db, { kind: 'full' });
    await saveCheckpoint(db, runId, 'contacts', {
      partition: '2020',
      cursor: 'abc',
      done: false,
      fetched: 150,
    });
    await saveCheckpoint(db, runId, 'contacts', {
      partition: '2019',
      cursor: null,
      done: true,
      fetched: 900,
    });
    await saveCheckpoint(db, runId, 'contacts', {
      partition: '2020',
      cursor: 'def',
      done: false,
      fetched: 300,
    });
    expect(await readCheckpoints(db, runId, 'contacts')).toEqual([
      { partition: '2019', cursor: null, done: true, fetched: 900 },
      { partition: '2020', cursor: 'def', done: false, fetched: 300 },
    ]);
    expect(await readCheckpoints(db, runId, 'companies')).toEqual([]);
  });
});

describe('watermarks', () => {
  it('only move forward', async () => {
    expect(await readWatermark(db, 'contacts')).toBeNull();
    const t1 = new Date('2024-01-02T03:04:05Z');
    const t0 = new Date('2024-01-01T00:00:00Z');
    expect(await advanceWatermark(db, 'contacts', t1)).toEqual(t1);
    expect(await advanceWatermark(db, 'contacts', t0)).toEqual(t1);
    expect(await readWatermark(db, 'contacts')).toEqual(t1);
  });

  it('do not move when the batch they cover is rolled back', async () => {
    const to = new Date('2024-02-01T00:00:00Z');
    await expect(
      withSyncWrites(db, async (trx) => {
        await upsertContacts(trx, [contactRow('a')]);
        await advanceWatermark(trx, 'contacts', to);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await readWatermark(db, 'contacts')).toBeNull();
    expect(await db.selectFrom('intercom.contacts').selectAll().execute()).toEqual([]);

    await withSyncWrites(db, async (trx) => {
      await upsertContacts(trx, [contactRow('a')]);
      await advanceWatermark(trx, 'contacts', to);
    });
    expect(await readWatermark(db, 'contacts')).toEqual(to);
  });
});
