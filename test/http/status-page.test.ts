// /status in a real headless Chromium: behind the dashboard's credentials, it answers "is it
// working?" on one screen — each stream's freshness and lag chart, the last runs, the backlogs, the
// failed records with their reasons and the open conflicts — and says what is wrong when it is.
import { sql } from 'kysely';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app/daemon.js';
import { finishRun, startRun } from '../../src/db/runs.js';
import { runFullSync } from '../../src/sync/full-sync.js';
import { launchBrowser } from '../support/browser.js';
import { startDaemonHarness, type DaemonHarness } from '../support/daemon-harness.js';
import { ShiftedClock } from '../support/shifted-clock.js';

const USER = 'ops';
const PASSWORD = 'status-secret';
let h: DaemonHarness;
let daemon: Daemon;
let browser: Browser;
let page: Page;
const clock = new ShiftedClock();

beforeAll(async () => {
  h = await startDaemonHarness({
    sandbox: { contacts: 20, companies: 4, seed: 44 },
    env: { DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD },
  });
  daemon = await h.startDaemon({ clock });
  expect((await runFullSync(daemon.runtime)).status).toBe('succeeded');
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.authenticate({ username: USER, password: PASSWORD });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** What the test reads off the page. */
interface Shown {
  title: string;
  verdict: string | null;
  verdictOk: boolean;
  streams: Record<string, { lag: string; stale: boolean } | undefined>;
  /** `ys`: the SVG y of each point; smaller is higher on the chart, i.e. more lag. */
  chartLines: { stream: string; ys: number[] }[];
  runs: string[][];
  outbox: string | null;
  webhooks: string | null;
  rateBudget: string | null;
  failed: string[][];
  conflicts: string | null;
}

/**
 * Runs in the page. A string, so the project's typecheck needs no DOM library (adding it would
 * let `document` typecheck in src/ too).
 */
const READ_PAGE = `(() => {
  const text = (selector) => document.querySelector(selector)?.textContent?.trim() ?? null;
  const cells = (row) => [...row.querySelectorAll('td')].map((td) => td.textContent.trim());
  const rows = (selector) => [...document.querySelectorAll(selector)].map(cells);
  return {
    title: document.title,
    verdict: text('#verdict'),
    verdictOk: document.querySelector('#verdict')?.classList.contains('ok') ?? false,
    streams: Object.fromEntries([...document.querySelectorAll('#streams tr[data-stream]')].map((row) => [
      row.getAttribute('data-stream'),
      { lag: row.querySelector('.lag').textContent.trim(), stale: row.classList.contains('bad') },
    ])),
    chartLines: [...document.querySelectorAll('#lag-chart polyline')].map((line) => ({
      stream: line.getAttribute('data-stream'),
      ys: line.getAttribute('points').split(' ').map((p) => Number(p.split(',')[1])),
    })),
    runs: rows('#runs tr[data-run]'),
    outbox: text('#outbox'),
    webhooks: text('#webhooks'),
    rateBudget: text('#rate-budget'),
    failed: rows('#failed tr[data-failed]'),
    conflicts: text('#conflicts'),
  };
})()`;

/** Loads /status in the browser and reads what it shows. */
async function load(): Promise<Shown> {
  const response = await page.goto(`${daemon.url}/status`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return (await page.evaluate(READ_PAGE)) as Shown;
}

describe('/status', () => {
  it('asks for the dashboard credentials', async () => {
    const anonymous = await fetch(`${daemon.url}/status`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${daemon.url}/status`, {
      headers: { authorization: `Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('without DASHBOARD_PASSWORD, opens to this machine without credentials, as the dashboard does', async () => {
    const open = await h.startDaemon({ clock, env: { DASHBOARD_PASSWORD: '' } });
    const response = await fetch(`${open.url}/status`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>intercom-pg-sync status</title>');
  });

  it('after a full sync: working, every stream fresh and charted, the run listed', async () => {
    const shown = await load();
    expect(shown.title).toBe('intercom-pg-sync status');
    expect(shown.verdictOk).toBe(true);
    expect(shown.verdict).toContain('Working');
    for (const stream of ['contacts', 'companies', 'tags', 'segments', 'notes']) {
      expect(shown.streams[stream]?.stale, stream).toBe(false);
      expect(shown.streams[stream]?.lag, stream).toMatch(/^\d+ s ago$/);
    }
    expect(shown.chartLines.map((l) => l.stream).sort()).toEqual([
      'admins',
      'companies',
      'contacts',
      'data_attributes',
      'notes',
      'segments',
      'tags',
    ]);
    expect(shown.runs[0]?.slice(1, 4)).toEqual(['full', 'manual', 'succeeded']);
    expect(shown.outbox).toMatch(/^0 pending, 0 in flight, 0 failed; oldest waiting none$/);
    expect(shown.webhooks).toMatch(/^0 waiting, 0 failed/);
    expect(shown.rateBudget).toMatch(/^\d+ of \d+ requests left in this window$/);
    expect(shown.failed).toEqual([]);
    expect(shown.conflicts).toContain('None open');
  });

  it('two hours later, with a failed push, a stuck change, a failed run and a conflict: says each', async () => {
    const db = daemon.runtime.db;
    await sql`insert into intercom_sync.outbox (entity, row_id, op, state, changed_columns, last_error, next_attempt_at)
      values ('company', 880001, 'update', 'failed', '{name}', 'Intercom refused the change: name is too long', now()),
             ('company', 880002, 'update', 'pending', '{name}', null, now() + interval '1 day')`.execute(db);
    await sql`insert into intercom_sync.conflicts (entity, intercom_id, kind, field, status)
      values ('contact', 'c-dup', 'api_conflict', 'email', 'open')`.execute(db);
    const runId = await startRun(db, { kind: 'incremental', trigger: 'schedule' });
    await finishRun(db, runId, { status: 'failed', error: 'Intercom answered 401: token revoked' });
    clock.shift(2 * 3_600_000);

    const shown = await load();
    expect(shown.verdictOk).toBe(false);
    expect(shown.verdict).toContain('Needs attention');
    expect(shown.verdict).toMatch(/contacts last synced 2\.0 h ago \(over 30 min\)/);
    expect(shown.verdict).toMatch(/a local change has waited 2\.0 h to reach Intercom/);
    expect(shown.verdict).toContain('1 failed record waits for `failed retry`');
    expect(shown.verdict).toContain('1 conflict waits for a decision');
    expect(shown.streams.contacts).toEqual({ lag: '2.0 h ago', stale: true });
    // Companies are read nightly: two hours is fresh enough for them.
    expect(shown.streams.companies?.stale).toBe(false);
    expect(shown.outbox).toMatch(/^1 pending, 0 in flight, 1 failed; oldest waiting 2\.0 h$/);
    expect(shown.failed).toHaveLength(1);
    expect(shown.failed[0]?.[0]).toMatch(/^outbox\/\d+$/);
    expect(shown.failed[0]?.[2]).toBe('Intercom refused the change: name is too long');
    expect(shown.conflicts).toMatch(/1 open.*#\d+ contact c-dup email/s);
    expect(shown.runs[0]?.slice(1, 4)).toEqual(['incremental', 'schedule', 'failed']);
    expect(shown.runs[0]?.at(-1)).toBe('Intercom answered 401: token revoked');
    // The chart's contacts line drops to zero at the sync and then climbs for two hours: it ends
    // well above where it started (the y axis is scaled to the largest lag shown).
    const contactsLine = shown.chartLines.find((l) => l.stream === 'contacts')!.ys;
    expect(contactsLine.at(-1)!).toBeLessThan(contactsLine[0]! - 60);

    const json = (await (
      await fetch(`${daemon.url}/status?format=json`, {
        headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
      })
    ).json()) as { problems: string[]; outbox: { failed: number } };
    expect(json.outbox.failed).toBe(1);
    expect(json.problems).toHaveLength(4);
    // STATUS_SCREENSHOT=/tmp/status.png keeps a picture of this page for a human to look at.
    const screenshot = process.env.STATUS_SCREENSHOT;
    if (screenshot) await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
  });
});
