// The companies scroll under Intercom's one-scroll-per-workspace rule: waits, restarts, and the lock.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runFullSync, SyncAlreadyRunningError } from '../../src/sync/full-sync.js';
import { verifyMirror } from '../../src/sync/verify.js';
import { eventually } from '../support/eventually.js';
import { ManualClock } from '../support/manual-clock.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const COMPANIES = 350; // four scroll pages of 100 and the closing empty one

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({
    sandbox: { contacts: 300, companies: COMPANIES, seed: 5 },
  });
});
afterAll(() => h?.close());
beforeEach(async () => {
  // Intercom's own expiry (a minute idle): a test that needs a scroll to expire moves the clock.
  await h.control('PATCH', '/settings', { scrollFaultRate: 0, latencyMs: 0, scrollExpirySeconds: 60 });
  await h.control('POST', '/scroll/reset');
  await h.control('POST', '/stats/reset');
  await h.rt.db.deleteFrom('intercom.company_tags').execute();
  await h.rt.db.deleteFrom('intercom.company_segments').execute();
  await h.rt.db.deleteFrom('intercom.contact_companies').execute();
  await h.rt.db.deleteFrom('intercom.companies').execute();
});

interface Stats {
  byRoute: Record<string, Record<string, number>>;
}
async function scrollCalls(): Promise<Record<string, number>> {
  return (await h.control<Stats>('GET', '/stats')).byRoute['GET /companies/scroll'] ?? {};
}

async function mirroredCompanies(): Promise<number> {
  const row = await h.rt.db
    .selectFrom('intercom.companies')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function openForeignScroll(): Promise<void> {
  const response = await fetch(`${h.sandbox.url}/companies/scroll`, {
    headers: { authorization: 'Bearer sandbox-token', accept: 'application/json' },
  });
  expect(response.status).toBe(200);
}

describe('the companies scroll', () => {
  it('waits while another scroll is open (scroll_exists), then reads every company', async () => {
    await openForeignScroll();
    const run = runFullSync(h.rt, { only: ['companies'] });
    // Refused twice (it waited and asked again), and still open: nothing mirrored yet.
    await eventually(async () => ((await scrollCalls())['400'] ?? 0) >= 2, 'two scroll_exists answers');
    expect((await scrollCalls())['200'] ?? 0).toBe(1); // the foreign scroll's own first page
    expect(await mirroredCompanies()).toBe(0);
    // The foreign scroll idles out a minute later; let that minute pass on Intercom's clock.
    const { clockOffsetSeconds } = await h.control<{ clockOffsetSeconds: number }>('GET', '/settings');
    await h.control('PATCH', '/settings', { clockOffsetSeconds: clockOffsetSeconds + 61 });
    const summary = await run;
    expect(summary.status, summary.error).toBe('succeeded');
    expect(await mirroredCompanies()).toBe(COMPANIES);
  });

  it('stops waiting once another scroll has held it for scrollLockWaitMs, measured on its clock', async () => {
    await openForeignScroll();
    // Every wait moves this clock at once; the sandbox's clock stays put, so the foreign scroll never idles out.
    const clock = new ManualClock({ auto: true });
    const impatient = await h.openAnother({ scrollLockWaitMs: 60_000, scrollExistsRetryMs: 15_000 });
    const started = clock.now();
    const summary = await runFullSync({ ...impatient, clock }, { only: ['companies'] });
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatch(/scroll already exists/);
    // Asked at 0, 15, 30, 45, 60 and 75 s; past 60 s of waiting it gives up.
    expect((await scrollCalls())['400']).toBe(6);
    expect(clock.now() - started).toBe(75_000);
    expect(await mirroredCompanies()).toBe(0);
  });

  it('restarts a scroll that expired mid-run and still reads every company', async () => {
    let reset = false;
    const summary = await runFullSync(h.rt, {
      only: ['companies'],
      onProgress: (p) => {
        // In-process, so it lands before the next page is asked for.
        if (p.stream === 'companies' && !reset) {
          reset = true;
          h.sandbox.workspace.scroll.reset();
        }
      },
    });
    expect(summary.status, summary.error).toBe('succeeded');
    expect((await scrollCalls())['404']).toBeGreaterThan(0);
    expect(await mirroredCompanies()).toBe(COMPANIES);
    expect(summary.streams[0]!.fetched).toBeGreaterThan(COMPANIES); // the restart re-read the first page(s)
  });

  it('restarts after mid-scroll 500s ("please restart the scroll operation") and still reads every company', async () => {
    // The continuation after the first page fails; after the restart's first page, none do. Set
    // in-process between pages, so the fault does not depend on what earlier tests drew.
    let pages = 0;
    const summary = await runFullSync(h.rt, {
      only: ['companies'],
      onProgress: (p) => {
        if (p.stream !== 'companies') return;
        pages += 1;
        if (pages === 1) h.sandbox.updateSettings({ scrollFaultRate: 1 });
        if (pages === 2) h.sandbox.updateSettings({ scrollFaultRate: 0 });
      },
    });
    expect(summary.status, summary.error).toBe('succeeded');
    expect((await scrollCalls())['500']).toBe(1);
    expect(summary.streams[0]!.fetched).toBeGreaterThan(COMPANIES); // the restart re-read the first page
    expect(await mirroredCompanies()).toBe(COMPANIES);
  });

  it('lets one of two full syncs started at once run, refuses the other, and never opens two scrolls', async () => {
    await h.control('PATCH', '/settings', { latencyMs: 20 });
    const other = await h.openAnother();
    const results = await Promise.allSettled([runFullSync(h.rt), runFullSync(other)]);
    const refused = results.filter((r) => r.status === 'rejected');
    const ran = results.filter((r) => r.status === 'fulfilled');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(SyncAlreadyRunningError);
    expect((refused[0] as PromiseRejectedResult).reason.message).toMatch(/already running/);
    expect(ran).toHaveLength(1);
    expect((await scrollCalls())['400'] ?? 0).toBe(0);
  });

  it('runs a verify alongside a full sync without the two ever holding two scrolls', async () => {
    await h.control('PATCH', '/settings', { latencyMs: 10 });
    const other = await h.openAnother();
    const [summary] = await Promise.all([runFullSync(h.rt), verifyMirror(other)]);
    expect(summary.status).toBe('succeeded');
    expect((await scrollCalls())['400'] ?? 0).toBe(0);
  });
});
