// A second create of the same person moments after the first: search does not show the new contact
// yet and leads never conflict, so only the push's own memory of its creates (by email and
// external_id, for SEARCH_LAG_SECONDS) keeps Intercom from getting a duplicate. Time runs on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConflicts } from '../../src/db/conflicts.js';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { ManualClock } from '../support/manual-clock.js';
import { apiWrites, outboxRows, startPushHarness, type PushHarness } from '../support/push-harness.js';

let h: PushHarness;
const clock = new ManualClock({ startMs: Date.now() });

beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(async () => h?.close());

async function push() {
  await h.resetStats();
  const summary = await drainOutbox({ ...h.ctx({ recentCreateSeconds: 900 }), clock }, { concurrency: 1 });
  return { summary, writes: apiWrites(await h.stats()) };
}

async function insertLead(email: string, name: string) {
  const { id } = await h.rt.db
    .insertInto('intercom.contacts')
    .values({ role: 'lead', email, name })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(id);
}

async function remoteWithEmail(email: string) {
  const { contacts } = await h.control<{ contacts: { id: string; email: string | null; state: string }[] }>(
    'GET',
    '/state?entity=contacts',
  );
  return contacts.filter((c) => c.email === email && c.state === 'active');
}

describe('a fast second create of the same person', () => {
  it('two leads with one email inserted moments apart make one contact; the second row waits as an open conflict', async () => {
    const first = await insertLead('twice@example.com', 'First Form');
    const second = await insertLead('Twice@Example.com', 'Second Form');

    const { summary, writes } = await push();

    expect(writes).toEqual({ 'POST /contacts': 1 });
    expect(summary).toMatchObject({ pushed: 1, failed: 1 });
    expect(await remoteWithEmail('twice@example.com')).toHaveLength(1);
    const [failed] = await outboxRows(h.rt, 'contact', second);
    expect(failed!.last_error).toMatch(
      new RegExp(`contact row ${first} created this email \\(twice@example.com\\) in Intercom moments ago`),
    );
    const conflicts = await listConflicts(h.rt.db, { openOnly: true });
    expect(conflicts.find((c) => c.row_id === second)).toMatchObject({ kind: 'api_conflict' });
  });

  it('after the search lag has passed, a new lead with that email is created as Intercom allows', async () => {
    await clock.advance(901_000);
    await insertLead('twice@example.com', 'Much Later');

    const { writes } = await push();

    expect(writes).toEqual({ 'POST /contacts': 1 });
    expect(await remoteWithEmail('twice@example.com')).toHaveLength(2);
  });
});
