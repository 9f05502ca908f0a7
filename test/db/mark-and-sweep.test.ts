import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import {
  forgetSeen,
  IncompletePassError,
  markUnseenDeleted,
  recordSeen,
} from '../../src/db/mark-and-sweep.js';
import { markArchived, markDeleted } from '../../src/db/mark-deleted.js';
import { markStreamComplete, startRun, startStream } from '../../src/db/runs.js';
import { upsertContacts } from '../../src/db/upsert-contacts.js';
import { upsertTags } from '../../src/db/upsert-tags-segments.js';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';
import { contactRow } from './payloads.js';

let target: MigratedDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  target = await createMigratedDatabase('sweep');
  db = target.db;
});
afterAll(() => target.close());
beforeEach(async () => {
  await sql`truncate intercom.contacts, intercom.tags, intercom_sync.runs, intercom_sync.seen cascade`.execute(
    db,
  );
  await upsertContacts(
    db,
    ['a', 'b', 'c'].map((id) => contactRow(id)),
  );
});

async function deleted(): Promise<string[]> {
  const rows = await db
    .selectFrom('intercom.contacts')
    .select('intercom_id')
    .where('deleted_at', 'is not', null)
    .orderBy('intercom_id')
    .execute();
  return rows.map((r) => r.intercom_id!);
}

async function fullPassThatSaw(ids: string[]): Promise<number> {
  const runId = await startRun(db, { kind: 'full' });
  await startStream(db, runId, 'contacts');
  await recordSeen(db, runId, 'contacts', ids);
  return runId;
}

describe('mark and sweep', () => {
  it('a full pass that did not complete deletes nothing', async () => {
    const runId = await fullPassThatSaw(['a']);
    await expect(markUnseenDeleted(db, runId, 'contacts')).rejects.toThrow(IncompletePassError);
    await expect(markUnseenDeleted(db, runId, 'contacts')).rejects.toThrow(
      'refusing to sweep contacts for run',
    );
    expect(await deleted()).toEqual([]);
  });

  it('unseen rows are marked deleted only by a complete pass', async () => {
    const runId = await fullPassThatSaw(['a', 'c']);
    await markStreamComplete(db, runId, 'contacts');
    expect(await markUnseenDeleted(db, runId, 'contacts')).toBe(1);
    expect(await deleted()).toEqual(['b']);
    // Sweeping again changes nothing: b keeps its first deleted_at.
    expect(await markUnseenDeleted(db, runId, 'contacts')).toBe(0);
    await forgetSeen(db, runId);
    expect(await db.selectFrom('intercom_sync.seen').selectAll().execute()).toEqual([]);
  });

  it('local rows never pushed are never swept', async () => {
    await db
      .insertInto('intercom.contacts')
      .values({ email: 'new-lead@example.com', role: 'lead' })
      .execute();
    const runId = await fullPassThatSaw(['a', 'b', 'c']);
    await markStreamComplete(db, runId, 'contacts');
    expect(await markUnseenDeleted(db, runId, 'contacts')).toBe(0);
    const local = await db
      .selectFrom('intercom.contacts')
      .select('deleted_at')
      .where('intercom_id', 'is', null)
      .executeTakeFirstOrThrow();
    expect(local.deleted_at).toBeNull();
  });

  it('a contact created in Intercom after the pass started is not swept', async () => {
    const runId = await fullPassThatSaw(['a', 'b', 'c']);
    // A webhook brought it while the pass was past its page.
    await upsertContacts(db, [contactRow('d', { updated_at: Math.floor(Date.now() / 1000) + 60 })]);
    await markStreamComplete(db, runId, 'contacts');
    expect(await markUnseenDeleted(db, runId, 'contacts')).toBe(0);
  });

  it('spares a contact changed within the grace period before the pass, which search may not return yet', async () => {
    await upsertContacts(db, [contactRow('d', { updated_at: Math.floor(Date.now() / 1000) - 60 })]);
    const runId = await fullPassThatSaw(['a', 'b', 'c']);
    await markStreamComplete(db, runId, 'contacts');
    expect(await markUnseenDeleted(db, runId, 'contacts', { graceSeconds: 300 })).toBe(0);
    expect(await markUnseenDeleted(db, runId, 'contacts')).toBe(1);
  });

  it('sweeps the tags a complete tag pass did not see', async () => {
    await upsertTags(
      db,
      ['t1', 't2'].map((id) => ({ intercom_id: id, name: id, raw: { id } })),
    );
    const runId = await startRun(db, { kind: 'full' });
    await startStream(db, runId, 'tags');
    await recordSeen(db, runId, 'tags', ['t1']);
    await markStreamComplete(db, runId, 'tags');
    expect(await markUnseenDeleted(db, runId, 'tags')).toBe(1);
  });
});

describe('markDeleted and markArchived', () => {
  it('marks a merged contact deleted with the contact it went into', async () => {
    expect(await markDeleted(db, 'contacts', ['a'], { mergedInto: 'c' })).toBe(1);
    expect(await markDeleted(db, 'contacts', ['a'], { mergedInto: 'c' })).toBe(0);
    const a = await db
      .selectFrom('intercom.contacts')
      .selectAll()
      .where('intercom_id', '=', 'a')
      .executeTakeFirstOrThrow();
    expect(a).toMatchObject({ merged_into_id: 'c', deleted_at: expect.any(Date) });
    await expect(markDeleted(db, 'tags', ['t'], { mergedInto: 'x' })).rejects.toThrow(/only contacts/);
  });

  it('archives and unarchives contacts, counting only real changes', async () => {
    expect(await markArchived(db, ['a', 'b'])).toBe(2);
    expect(await markArchived(db, ['a'])).toBe(0);
    expect(await markArchived(db, ['a'], false)).toBe(1);
    const archived = await db
      .selectFrom('intercom.contacts')
      .select('intercom_id')
      .where('archived', '=', true)
      .execute();
    expect(archived).toEqual([{ intercom_id: 'b' }]);
  });
});
