// One record Postgres or the mapper cannot take costs that record only: it is parked with its reason
// (visible in `status` and `failed list`), the rest of its page and stream is written, and later
// runs neither stop on it nor forget it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backlogStatus } from '../../src/db/status-queries.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import { saveContacts } from '../../src/sync/contact-pages.js';
import { failedSources, listFailed, retryFailed } from '../../src/workers/failed-jobs.js';
import type { Contact } from '../../src/intercom/types.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { contactPayload } from '../db/payloads.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ sandbox: { contacts: 40, companies: 12, seed: 5, scrollPageSize: 5 } });
});
afterAll(() => h?.close());

interface Created {
  id: string;
}

async function parked() {
  const rows = await sql<{ entity: string; intercom_id: string | null; reason: string; attempts: number }>`
    select entity, intercom_id, reason, attempts from intercom_sync.parked_records order by id`.execute(
    h.rt.db,
  );
  return rows.rows;
}

const failedItems = () => listFailed(failedSources({ db: h.rt.db, queues: [] }));

describe('a record that cannot be stored', () => {
  it('a 6,000-character email, a NUL and a lone surrogate are stored; a company Postgres refuses is parked and the rest written', async () => {
    const longEmail = `${'x'.repeat(6_000)}@example.com`;
    const long = await h.control<Created>('POST', '/contacts', {
      role: 'user',
      email: longEmail,
      external_id: 'e'.repeat(6_000),
    });
    const odd = await h.control<Created>('POST', '/contacts', {
      role: 'user',
      email: 'odd@example.com',
      name: 'a\u0000b\ud800c',
    });
    const huge = await h.control<Created>('POST', '/companies', {
      company_id: 'huge',
      name: 'Huge',
      size: 3_000_000_000,
    });

    const summary = await runFullSync(h.rt);
    expect(summary.status, summary.error).toBe('succeeded');

    const stored = await h.rt.db
      .selectFrom('intercom.contacts')
      .select(['intercom_id', 'email', 'external_id', 'name'])
      .where('intercom_id', 'in', [long.id, odd.id])
      .execute();
    const byId = new Map(stored.map((r) => [r.intercom_id, r]));
    expect(byId.get(long.id)?.email).toBe(longEmail);
    expect(byId.get(long.id)?.external_id).toHaveLength(6_000);
    // NUL dropped, the lone surrogate replaced: the rest of the name kept.
    expect(byId.get(odd.id)?.name).toBe('ab\ufffdc');
    const contacts = await sql<{ n: number }>`select count(*)::int as n from intercom.contacts`.execute(
      h.rt.db,
    );
    expect(contacts.rows[0]!.n).toBe(42);

    // Every other company is written; the refused one is parked with Postgres's reason.
    const companies = await sql<{ n: number; huge: number }>`
      select count(*)::int as n, count(*) filter (where intercom_id = ${huge.id})::int as huge
      from intercom.companies where deleted_at is null`.execute(h.rt.db);
    const sandboxCompanies = await h.control<{ companies: { deleted?: boolean }[] }>(
      'GET',
      '/state?entity=companies',
    );
    expect(companies.rows[0]).toEqual({
      n: sandboxCompanies.companies.filter((c) => !c.deleted).length - 1,
      huge: 0,
    });
    expect(await parked()).toEqual([
      {
        entity: 'company',
        intercom_id: huge.id,
        reason: expect.stringContaining('out of range'),
        attempts: 1,
      },
    ]);

    // Visible where an operator looks.
    expect((await backlogStatus(h.rt.db)).parked).toEqual({ company: 1 });
    const items = await failedItems();
    expect(items).toContainEqual(
      expect.objectContaining({
        kind: 'parked',
        name: expect.stringContaining(huge.id),
        failedReason: expect.stringMatching(/out of range for type integer/),
      }),
    );

    // The next run does not stop on it either, and counts the attempt.
    const again = await runFullSync(h.rt);
    expect(again.status, again.error).toBe('succeeded');
    expect((await parked()).map((p) => p.attempts)).toEqual([2]);

    // Fixed in Intercom: the next read stores it and the entry goes.
    await h.control('PATCH', `/companies/${huge.id}`, { size: 300 });
    const fixed = await runFullSync(h.rt);
    expect(fixed.status, fixed.error).toBe('succeeded');
    expect(await parked()).toEqual([]);
    const row = await h.rt.db
      .selectFrom('intercom.companies')
      .select('size')
      .where('intercom_id', '=', huge.id)
      .executeTakeFirstOrThrow();
    expect(row.size).toBe(300);
  });

  it('in a page, a custom_attributes that is not an object and a value Postgres refuses are parked; the other contacts are written', async () => {
    const page = [
      contactPayload('iso-1'),
      contactPayload('iso-2', { custom_attributes: ['not', 'an', 'object'] }),
      contactPayload('iso-3'),
      contactPayload('iso-4', { owner_id: 1e19 }),
      contactPayload('iso-5'),
      contactPayload('iso-6', { custom_attributes: 'plain text' }),
      contactPayload('iso-7'),
    ] as unknown as Contact[];
    const saved = await saveContacts(h.rt, page, { park: { source: 'incremental' } });
    expect(saved.parked).toBe(3);
    expect(saved.contacts.inserted).toBe(4);
    const ids = await sql<{ id: string }>`
      select intercom_id as id from intercom.contacts where intercom_id like 'iso-%' order by 1`.execute(
      h.rt.db,
    );
    expect(ids.rows.map((r) => r.id)).toEqual(['iso-1', 'iso-3', 'iso-5', 'iso-7']);
    const reasons = new Map((await parked()).map((p) => [p.intercom_id, p.reason]));
    expect(reasons.get('iso-2')).toMatch(/custom_attributes: expected an object, received an array/);
    expect(reasons.get('iso-6')).toMatch(/custom_attributes: expected an object, received string/);
    expect(reasons.get('iso-4')).toMatch(/Postgres refused it: .*out of range/);

    // Without `park` (one webhook item), the refusal is the caller's to report.
    await expect(
      saveContacts(h.rt, [contactPayload('iso-8', { owner_id: 1e19 })] as unknown as Contact[]),
    ).rejects.toThrow(/out of range/);

    // `failed retry` clears an entry; the next read of the record starts afresh.
    const item = (await failedItems()).find((i) => i.name.includes('iso-4'))!;
    expect(await retryFailed(failedSources({ db: h.rt.db, queues: [] }), item.id)).toBe(true);
    expect((await parked()).map((p) => p.intercom_id)).not.toContain('iso-4');
    await saveContacts(h.rt, [contactPayload('iso-4', { owner_id: 7 })] as unknown as Contact[], {
      park: { source: 'incremental' },
    });
    const fixed = await h.rt.db
      .selectFrom('intercom.contacts')
      .select('owner_id')
      .where('intercom_id', '=', 'iso-4')
      .executeTakeFirstOrThrow();
    expect(Number(fixed.owner_id)).toBe(7);
  });

  it('an app cannot store a custom_attributes that is not an object', async () => {
    await expect(
      sql`insert into intercom.contacts (role, email, custom_attributes) values ('user', 'arr@example.com', '[1]')`.execute(
        h.rt.db,
      ),
    ).rejects.toThrow(/contacts_custom_attributes_object/);
    await expect(
      sql`update intercom.companies set custom_attributes = '"text"' where intercom_id is not null`.execute(
        h.rt.db,
      ),
    ).rejects.toThrow(/companies_custom_attributes_object/);
  });
});
