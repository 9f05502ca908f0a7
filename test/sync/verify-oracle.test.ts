// verify is the suite's oracle; it must not share the sync's mapper, or a mapper bug would pass
// every "verify is clean" check. Here the sync's own catalogs are broken (for this file only): the
// sync then mirrors wrong values — with the digests the right ones would have, so it never looks at
// them again — and verify, which reads Intercom's payloads by the catalog's paths and types rather
// than through the mapper, reports each wrong field.
//
// Test files share a worker's module cache (vitest.config.ts), so the modules under test are
// imported afresh after the mocks, in beforeAll: a sync module cached by an earlier file would
// hold the real catalogs and the bugs would never reach the mirror.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Company, Contact } from '../../src/intercom/types.js';
import type { SyncHarness } from '../support/sync-harness.js';

vi.mock('../../src/mappers/catalog/contact.js', async (importOriginal) => {
  const { contactCatalog } = await importOriginal<typeof import('../../src/mappers/catalog/contact.js')>();
  const { defineCatalog } = await import('../../src/mappers/catalog/column.js');
  const { text, timestamp } = await import('../../src/mappers/catalog/parsers.js');
  const columns = contactCatalog.columns;
  // Two bugs of the kind a mapper has: a value transformed (upper-cased), a unit mistaken (ms for s).
  return {
    contactCatalog: defineCatalog({
      ...contactCatalog,
      columns: {
        ...columns,
        browser_language: {
          ...columns.browser_language,
          parse: (v: unknown) => text(v)?.toUpperCase() ?? null,
        },
        last_seen_at: {
          ...columns.last_seen_at,
          parse: (v: unknown) => (typeof v === 'number' && v > 0 ? new Date(v) : timestamp(v)),
        },
      },
    }),
  };
});

vi.mock('../../src/mappers/catalog/company.js', async (importOriginal) => {
  const { companyCatalog } = await importOriginal<typeof import('../../src/mappers/catalog/company.js')>();
  const { defineCatalog } = await import('../../src/mappers/catalog/column.js');
  // The plan's id read where its name belongs.
  const read = (p: Readonly<Record<string, unknown>>) => (p.plan as { id?: unknown } | undefined)?.id;
  return {
    companyCatalog: defineCatalog({
      ...companyCatalog,
      columns: { ...companyCatalog.columns, plan: { ...companyCatalog.columns.plan, read } },
    }),
  };
});

let h: SyncHarness;
let runFullSync: typeof import('../../src/sync/full-sync.js').runFullSync;
let verifyMirror: typeof import('../../src/sync/verify.js').verifyMirror;
beforeAll(async () => {
  vi.resetModules();
  ({ runFullSync } = await import('../../src/sync/full-sync.js'));
  ({ verifyMirror } = await import('../../src/sync/verify.js'));
  const { startSyncHarness } = await import('../support/sync-harness.js');
  h = await startSyncHarness({ sandbox: { contacts: 60, companies: 12, seed: 5 } });
});
afterAll(async () => {
  await h?.close();
  // Files share the module cache: the broken catalogs must not outlive this file.
  vi.doUnmock('../../src/mappers/catalog/contact.js');
  vi.doUnmock('../../src/mappers/catalog/company.js');
  vi.resetModules();
});

async function all<T>(pages: AsyncIterable<{ items: readonly T[] }>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page.items);
  return out;
}

describe('verify as an oracle independent of the mapper', () => {
  it("reports, by field, every value the sync's broken mapper mirrored wrong", async () => {
    expect((await runFullSync(h.rt)).status).toBe('succeeded');

    const call = { lane: 'inbound' as const };
    const contacts = await all<Contact>(h.rt.intercom.contacts.list({ perPage: 150, ...call }));
    const companies = await all<Company>(h.rt.intercom.companies.list({ perPage: 50, ...call }));
    const expected = [
      ...contacts.flatMap((c) => [
        ...(typeof c.last_seen_at === 'number' && c.last_seen_at > 0
          ? [`contacts ${c.id} last_seen_at`]
          : []),
        ...(c.browser_language && c.browser_language !== c.browser_language.toUpperCase()
          ? [`contacts ${c.id} browser_language`]
          : []),
      ]),
      ...companies.flatMap((c) =>
        (c.plan as { name?: string } | undefined)?.name ? [`companies ${c.id} plan`] : [],
      ),
    ].sort();
    // The sandbox's data exercises every bug.
    for (const field of ['last_seen_at', 'browser_language', 'plan'])
      expect(expected.filter((e) => e.endsWith(field)).length, field).toBeGreaterThan(0);

    const report = await verifyMirror(h.rt, { limit: 10_000 });
    expect(report.differences.every((d) => d.kind === 'stale')).toBe(true);
    expect(report.differences.map((d) => `${d.entity} ${d.intercom_id} ${d.field}`).sort()).toEqual(expected);
    const seen = contacts.find((c) => typeof c.last_seen_at === 'number' && c.last_seen_at > 0)!;
    expect(
      report.differences.find((d) => d.intercom_id === seen.id && d.field === 'last_seen_at'),
    ).toMatchObject({
      intercom: new Date(seen.last_seen_at! * 1000),
      postgres: new Date(seen.last_seen_at!),
    });
  });
});
