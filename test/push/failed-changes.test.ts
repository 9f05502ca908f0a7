// A local change that failed for good is listed by `failed list` with its reason, and
// `failed retry outbox/<id>` sends it again once the cause is fixed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainOutbox } from '../../src/sync/push/drain.js';
import { runCli } from '../support/cli.js';
import { startPushHarness, type PushHarness } from '../support/push-harness.js';

let h: PushHarness;
beforeAll(async () => {
  h = await startPushHarness();
});
afterAll(() => h?.close());

interface Listed {
  id: string;
  kind: string;
  failedReason: string | null;
}

describe('failed local changes', () => {
  it('are listed with their reason and, once fixed, retried to Intercom', async () => {
    const contact = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const note = await h.rt.db
      .insertInto('intercom.notes')
      .values({ contact_id: contact.id, body: '<p>Renewal call</p>' })
      .returning('id')
      .executeTakeFirstOrThrow();

    // No author anywhere: the note cannot be created, and says why.
    const first = await drainOutbox(h.ctx({ adminId: undefined }));
    expect(first).toMatchObject({ failed: 1, pushed: 0 });

    const env = { ...h.env, INTERCOM_ADMIN_ID: '' };
    const listed = await runCli(['failed', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const items = (JSON.parse(listed.stdout) as { failed: Listed[] }).failed.filter(
      (i) => i.kind === 'outbox',
    );
    expect(items).toHaveLength(1);
    expect(items[0]!.failedReason).toMatch(/a note needs an author/);

    // The operator gives the note an author and retries it.
    const admins = (await (
      await fetch(`${h.sandbox.url}/admins`, { headers: { authorization: 'Bearer sandbox-token' } })
    ).json()) as {
      admins?: Array<{ id: string }>;
      data?: Array<{ id: string }>;
    };
    const adminId = String((admins.admins ?? admins.data)![0]!.id);
    const retried = await runCli(['failed', 'retry', items[0]!.id], env);
    expect(retried.code, retried.stderr).toBe(0);
    const second = await drainOutbox(h.ctx({ adminId }));
    expect(second).toMatchObject({ pushed: 1, failed: 0 });
    const pushed = await h.rt.db
      .selectFrom('intercom.notes')
      .select(['intercom_id', 'author_id'])
      .where('id', '=', note.id)
      .executeTakeFirstOrThrow();
    expect(pushed.intercom_id).not.toBeNull();
    expect(pushed.author_id).toBe(adminId);
    const remote = await h.remoteContact(contact.intercom_id!);
    expect(remote.noteIds).toContain(pushed.intercom_id);
  });

  it('`failed retry --all` puts every failed change back in one go, and they are pushed', async () => {
    const contact = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['id', 'intercom_id'])
      .where('intercom_id', 'is not', null)
      .where('deleted_at', 'is', null)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const notes = await h.rt.db
      .insertInto('intercom.notes')
      .values([1, 2, 3].map((n) => ({ contact_id: contact.id, body: `<p>Call ${n}</p>` })))
      .returning('id')
      .execute();
    expect(await drainOutbox(h.ctx({ adminId: undefined }))).toMatchObject({ failed: 3, pushed: 0 });

    const env = { ...h.env, INTERCOM_ADMIN_ID: '' };
    const retried = await runCli(['failed', 'retry', '--all'], env);
    expect(retried.code, retried.stderr).toBe(0);
    const ids = await h.rt.db
      .selectFrom('intercom_sync.outbox')
      .select('id')
      .where('entity', '=', 'note')
      .where('row_id', 'in', notes.map((n) => n.id))
      .execute();
    for (const { id } of ids) expect(retried.stdout).toContain(`outbox/${id}`);
    const admins = await h.control<{ admins: { id: string }[] }>('GET', '/state?entity=admins');
    expect(await drainOutbox(h.ctx({ adminId: admins.admins[0]!.id }))).toMatchObject({ pushed: 3, failed: 0 });
    const remote = await h.remoteContact(contact.intercom_id!);
    const pushed = await h.rt.db
      .selectFrom('intercom.notes')
      .select('intercom_id')
      .where('id', 'in', notes.map((n) => n.id))
      .execute();
    for (const note of pushed) expect(remote.noteIds).toContain(note.intercom_id);
  });
});
