// /metrics of a running daemon, read the way Prometheus reads it: names promtool accepts, the default
// process metrics stock dashboards look for, histograms for what takes time and gauges for what an
// operator alerts on (backlogs, failures, freshness), which keep telling the truth when sampling fails.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFullSync } from '../../src/sync/full-sync.js';
import type { Daemon } from '../../src/app/daemon.js';
import { eventually, startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';
import { scrape, type Scrape } from '../support/metrics-scrape.js';
import { DASHBOARD_FILE, metricNames, shippedQueries } from '../support/deploy-queries.js';
import { promtool } from '../support/promtool.js';
import { deliveriesSettled, queueIdle, webhooksApplied } from '../support/settled.js';
import { ShiftedClock } from '../support/shifted-clock.js';

let h: DaemonHarness;
let daemon: Daemon;
// The daemon's "now" for the lag and age figures: the test makes an hour pass instead of waiting.
const clock = new ShiftedClock();
beforeAll(async () => {
  h = await startDaemonHarness({ sandbox: { contacts: 30, companies: 6, seed: 31 } });
  daemon = await h.startDaemon({ sampleEveryMs: 100, clock, env: { PUSH_COALESCE_MS: '50' } });
  expect((await runFullSync(daemon.runtime)).status).toBe('succeeded');
});
afterAll(() => h?.close());

const metrics = () => scrape(daemon.url);
/** Scrapes until `probe` holds for a scrape; returns that scrape. */
const scrapeUntil = (what: string, probe: (m: Scrape) => boolean) =>
  eventually(async () => {
    const m = await metrics();
    return probe(m) && m;
  }, what);

describe('/metrics follows the Prometheus conventions', () => {
  it('passes promtool check metrics, with the default process metrics unprefixed', async () => {
    const m = await scrapeUntil(
      'the sampled gauges',
      (s) => s.value('intercom_sync_conflicts_open') !== undefined,
    );
    const lint = await promtool(['check', 'metrics'], m.text);
    // prom-client's own nodejs_active_*_total gauges are the one thing promtool objects to; they
    // keep those names because the stock Node.js dashboards query them.
    const complaints = (lint.stdout + lint.stderr).split('\n').filter((l) => l.trim() !== '');
    expect(complaints.filter((l) => !/^nodejs_active_(handles|requests|resources)_total /.test(l))).toEqual(
      [],
    );
    expect(m.families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(m.families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(m.families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect([...m.families.keys()].filter((n) => /^intercom_sync_(process|nodejs)_/.test(n))).toEqual([]);
    for (const name of [
      'intercom_sync_api_request_duration_seconds',
      'intercom_sync_job_duration_seconds',
      'intercom_sync_webhook_ack_duration_seconds',
      'intercom_sync_webhook_apply_delay_seconds',
      'intercom_sync_push_delay_seconds',
    ])
      expect(m.families.get(name)?.type, name).toBe('histogram');
  });
});

describe('what takes time is a histogram', () => {
  it('API calls by method, route and status, and the full sync counted as a run', async () => {
    const m = await metrics();
    const calls = m.families.get('intercom_sync_api_request_duration_seconds')!.series;
    const search = calls.find((c) => c.labels.route === '/contacts/search' && c.labels.status === '200');
    expect(search?.labels.method).toBe('POST');
    expect(search?.count).toBeGreaterThan(0);
    // Routes are templates: no series per record id.
    expect(calls.map((c) => c.labels.route)).toContain('/contacts/{id}/notes');
    expect(calls.every((c) => !/\/[0-9a-f]{24}/.test(c.labels.route ?? ''))).toBe(true);
    expect(m.value('intercom_sync_runs_total', { kind: 'full', outcome: 'succeeded' })).toBe(1);
  });

  it('jobs by queue, name and outcome', async () => {
    await daemon.queues.sync.add('incremental', { trigger: 'manual' });
    const m = await scrapeUntil(
      'the incremental job to be timed',
      (s) => s.count('intercom_sync_job_duration_seconds', { queue: 'sync', name: 'incremental' }) === 1,
    );
    expect(m.sample('intercom_sync_job_duration_seconds', { queue: 'sync' })?.labels.outcome).toBe(
      'completed',
    );
    expect(m.value('intercom_sync_runs_total', { kind: 'incremental', outcome: 'succeeded' })).toBe(1);
  });

  it('webhooks: the acknowledgement, and the delay until the change is in the mirror', async () => {
    h.subscribe(daemon);
    const { contacts } = await h.control<{ contacts: { id: string; state: string }[] }>(
      'GET',
      '/state?entity=contacts',
    );
    const contact = contacts.find((c) => c.state === 'active')!;
    await h.control('PATCH', `/contacts/${contact.id}`, { name: 'Metered By Webhook' });
    const m = await scrapeUntil(
      'the webhook to be applied',
      (s) => s.count('intercom_sync_webhook_apply_delay_seconds') >= 1,
    );
    expect(m.count('intercom_sync_webhook_ack_duration_seconds', { status: '200' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(m.value('intercom_sync_webhooks_total', { outcome: 'received' })).toBeGreaterThanOrEqual(1);
  });

  it('pushes: the delay from the local write to Intercom having it', async () => {
    await sql`update intercom.contacts set name = 'Metered By Push'
      where id = (select min(id) from intercom.contacts where deleted_at is null and archived = false)`.execute(
      daemon.runtime.db,
    );
    const m = await scrapeUntil('the push to be timed', (s) =>
      Boolean(s.count('intercom_sync_push_delay_seconds', { entity: 'contact' })),
    );
    const pushed = m.sample('intercom_sync_push_delay_seconds', { entity: 'contact' })!;
    expect(pushed.sum).toBeLessThan(60);
    // Quiet before the backlog test: the push's echo delivered by the sandbox and applied.
    await queueIdle(daemon.queues.push);
    await deliveriesSettled(h.control);
    await webhooksApplied(daemon.runtime.db);
  });
});

describe('what an operator alerts on is a gauge', () => {
  it('outbox and webhook backlogs with their oldest age, parked failures, open conflicts', async () => {
    const db = daemon.runtime.db;
    // Rows no worker will touch: the pending change is not due for an hour, the event is never enqueued.
    await sql`insert into intercom_sync.outbox (entity, row_id, op, state, created_at, next_attempt_at, last_error)
      values ('company', 990001, 'update', 'pending', now() - interval '10 minutes', now() + interval '1 hour', null),
             ('company', 990002, 'update', 'failed', now() - interval '1 hour', now(), 'Intercom said no')`.execute(
      db,
    );
    await sql`insert into intercom_sync.webhook_events (notification_id, topic, payload, status, received_at, error)
      values ('metrics-pending', 'contact.user.updated', '{}', 'received', now() - interval '5 minutes', null),
             ('metrics-failed', 'contact.user.updated', '{}', 'failed', now() - interval '1 hour', 'no id')`.execute(
      db,
    );
    await sql`insert into intercom_sync.conflicts (entity, kind, field, status) values ('contact', 'api_conflict', 'email', 'open')`.execute(
      db,
    );
    const m = await scrapeUntil(
      'the backlog to be sampled',
      (s) => s.value('intercom_sync_conflicts_open') === 1,
    );
    expect(m.value('intercom_sync_outbox_changes', { state: 'pending' })).toBe(1);
    expect(m.value('intercom_sync_outbox_changes', { state: 'failed' })).toBe(1);
    expect(m.value('intercom_sync_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(590);
    expect(m.value('intercom_sync_outbox_oldest_pending_age_seconds')).toBeLessThan(700);
    expect(m.value('intercom_sync_webhook_events', { status: 'received' })).toBe(1);
    expect(m.value('intercom_sync_webhook_events', { status: 'failed' })).toBe(1);
    expect(m.value('intercom_sync_webhook_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(290);
    expect(m.value('intercom_sync_parked_records', { place: 'outbox' })).toBe(1);
    expect(m.value('intercom_sync_parked_records', { place: 'webhook_events' })).toBe(1);
    expect(m.value('intercom_sync_parked_records', { place: 'jobs' })).toBe(0);
    expect(m.value('intercom_sync_queue_depth', { queue: 'push', state: 'failed' })).toBe(0);
    expect(m.value('intercom_sync_rate_budget_limit')).toBeGreaterThan(0);
    expect(m.value('intercom_sync_rate_budget_remaining')).toBeLessThanOrEqual(
      m.value('intercom_sync_rate_budget_limit')!,
    );

    await sql`delete from intercom_sync.outbox where row_id in (990001, 990002)`.execute(db);
    await sql`delete from intercom_sync.webhook_events where notification_id like 'metrics-%'`.execute(db);
    await sql`delete from intercom_sync.conflicts where status = 'open'`.execute(db);
    const cleared = await scrapeUntil(
      'the backlog to clear',
      (s) => s.value('intercom_sync_conflicts_open') === 0,
    );
    expect(cleared.value('intercom_sync_outbox_oldest_pending_age_seconds')).toBe(0);
    expect(cleared.value('intercom_sync_parked_records', { place: 'outbox' })).toBe(0);
  });

  it('each stream’s last success and lag; the lag goes on growing while Postgres cannot be read', async () => {
    const m = await metrics();
    const finished = m.value('intercom_sync_stream_last_success_timestamp_seconds', { stream: 'contacts' })!;
    expect(Math.abs(finished - clock.now() / 1000)).toBeLessThan(120);
    const first = m.value('intercom_sync_lag_seconds', { stream: 'contacts' })!;
    expect(first).toBeLessThan(120);
    expect(m.value('intercom_sync_lag_seconds', { stream: 'companies' })).toBeDefined();

    // The sampler's query now fails: the figures it reads must not freeze at their last value.
    const db = daemon.runtime.db;
    const errorsBefore = m.value('intercom_sync_state_sample_errors_total', { source: 'postgres' }) ?? 0;
    await sql`alter table intercom_sync.conflicts rename to conflicts_away`.execute(db);
    try {
      const failing = await scrapeUntil(
        'a failed sample',
        (s) =>
          (s.value('intercom_sync_state_sample_errors_total', { source: 'postgres' }) ?? 0) > errorsBefore,
      );
      const sampledAt = failing.value('intercom_sync_state_sampled_timestamp_seconds', {
        source: 'postgres',
      })!;
      clock.shift(3_600_000);
      // Redis is still sampled on its own: wait for a sample taken after the hour passed.
      const later = await scrapeUntil(
        'a Redis sample after the hour',
        (s) =>
          (s.value('intercom_sync_state_sampled_timestamp_seconds', { source: 'redis' }) ?? 0) >=
          sampledAt + 3_600,
      );
      const lag = later.value('intercom_sync_lag_seconds', { stream: 'contacts' })!;
      expect(lag).toBeGreaterThanOrEqual(first + 3_600);
      expect(lag).toBeLessThan(first + 3_600 + 120);
      expect(later.value('intercom_sync_state_sampled_timestamp_seconds', { source: 'postgres' })).toBe(
        sampledAt,
      );
    } finally {
      await sql`alter table intercom_sync.conflicts_away rename to conflicts`.execute(db);
    }
    await scrapeUntil(
      'sampling to resume',
      (s) =>
        (s.value('intercom_sync_state_sampled_timestamp_seconds', { source: 'postgres' }) ?? 0) >=
        clock.now() / 1000 - 60,
    );
  });
});

describe('deploy/ reads what the daemon exports', () => {
  /** `up` is made by Prometheus for every scrape, not exported. */
  const MADE_BY_PROMETHEUS = new Set(['up']);
  const familyOf = (m: Scrape, name: string) =>
    m.families.has(name)
      ? name
      : [...m.families.values()].find(
          (f) =>
            f.type === 'histogram' && ['_bucket', '_sum', '_count'].some((s) => `${f.name}${s}` === name),
        )?.name;

  it('every metric an alert rule or dashboard panel queries is on /metrics', async () => {
    const m = await metrics();
    const missing = shippedQueries().flatMap((q) =>
      metricNames(q.expr)
        .names.filter((name) => !MADE_BY_PROMETHEUS.has(name) && !familyOf(m, name))
        .map((name) => `${q.where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it(`every intercom_sync_ metric has a panel in ${DASHBOARD_FILE}`, async () => {
    const m = await metrics();
    const shown = new Set(
      shippedQueries()
        .filter((q) => q.where.startsWith('panel'))
        .flatMap((q) => metricNames(q.expr).names.map((name) => familyOf(m, name))),
    );
    const ours = [...m.families.keys()].filter((name) => name.startsWith('intercom_sync_'));
    expect(ours.length).toBeGreaterThan(20);
    expect(ours.filter((name) => !shown.has(name))).toEqual([]);
  });
});
