// GET /status: the answer to "is it working?" on one server-rendered page (no scripts, no build
// step), behind the dashboard's access rule; `?format=json` gives the same figures as JSON.
// What counts as a problem mirrors the alert rules (docs/runbook.md#alerts).
import escapeHtml from 'escape-html';
import type { FastifyInstance } from 'fastify';
import type { OperatorAuth } from './operator-access.js';
import { lagChart } from './status-chart.js';
import type { StatusReport } from './status-report.js';

export const STATUS_PATH = '/status';

export interface StatusPageOptions {
  readonly read: () => Promise<StatusReport>;
  /** Who may see it: the dashboard's BasicAuth, or loopbackOnly() when no password is set. */
  readonly auth: OperatorAuth;
}

/** Thresholds of the alerts in deploy/prometheus/alerts.yml, so the page and the pager agree. */
const CONTACTS_STALE_SECONDS = 1800;
const STREAM_STALE_SECONDS = 93_600;
const PUSH_BACKLOG_SECONDS = 900;
const WEBHOOK_BACKLOG_SECONDS = 300;

/**
 * A plugin for buildHttpServer's `plugins`.
 * @example plugins: [statusPagePlugin({ read: () => readStatusReport(sources), auth: loopbackOnly() })]
 */
export function statusPagePlugin(options: StatusPageOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(async (scope) => {
      await options.auth.protect(scope);
      scope.get<{ Querystring: { format?: string } }>(STATUS_PATH, async (request, reply) => {
        const report = await options.read();
        if (request.query.format === 'json') return reply.send({ ...report, problems: problems(report) });
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(renderStatus(report));
      });
    });
  };
}

/**
 * What is wrong, one sentence each; empty when all is well.
 * @example problems(report) // ['contacts last synced 2 h ago (over 30 min)']
 */
export function problems(report: StatusReport): string[] {
  const found: string[] = [];
  for (const s of report.streams) {
    const limit = s.stream === 'contacts' ? CONTACTS_STALE_SECONDS : STREAM_STALE_SECONDS;
    if (s.lagSeconds === null) found.push(`${s.stream} has never synced successfully`);
    else if (s.lagSeconds > limit)
      found.push(`${s.stream} last synced ${duration(s.lagSeconds)} ago (over ${duration(limit)})`);
  }
  const { outbox, webhooks } = report;
  if ((outbox.oldestPendingSeconds ?? 0) > PUSH_BACKLOG_SECONDS)
    found.push(`a local change has waited ${duration(outbox.oldestPendingSeconds!)} to reach Intercom`);
  if ((webhooks.oldestPendingSeconds ?? 0) > WEBHOOK_BACKLOG_SECONDS)
    found.push(`a stored webhook has waited ${duration(webhooks.oldestPendingSeconds!)} to be applied`);
  const failed = report.failed.available ? report.failed.value.length : outbox.failed + webhooks.failed;
  if (failed > 0)
    found.push(`${failed} failed record${failed === 1 ? ' waits' : 's wait'} for \`failed retry\``);
  if (report.conflicts.open > 0)
    found.push(
      `${report.conflicts.open} conflict${report.conflicts.open === 1 ? ' waits' : 's wait'} for a decision`,
    );
  if (!report.queues.available) found.push(`Redis cannot be read: ${report.queues.error}`);
  return found;
}

/** "45 s", "12 min", "3.5 h", "2.1 d". */
export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const h = (value: unknown) => escapeHtml(value === null || value === undefined ? '—' : String(value));
const time = (at: Date | null | undefined) =>
  at ? at.toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '—';
const ago = (seconds: number | null) => (seconds === null ? 'never' : `${duration(seconds)} ago`);

/** The whole page. */
export function renderStatus(report: StatusReport): string {
  const wrong = problems(report);
  const verdict =
    wrong.length === 0
      ? '<p class="verdict ok" id="verdict">Working: the mirror is fresh and local changes reach Intercom.</p>'
      : `<div class="verdict bad" id="verdict"><p>Needs attention:</p><ul>${wrong.map((p) => `<li>${h(p)}</li>`).join('')}</ul></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>intercom-pg-sync status</title>
<style>${STYLE}</style></head>
<body>
<h1>intercom-pg-sync status</h1>
<p class="meta">Generated ${h(time(report.generatedAt))}; refreshes every 30 s. Runbook: docs/runbook.md.</p>
${verdict}
${streamsSection(report)}
${backlogSection(report)}
${failedSection(report)}
${conflictsSection(report)}
${runsSection(report)}
</body></html>
`;
}

function streamsSection(report: StatusReport): string {
  const rows = report.streams
    .map((s) => {
      const stale =
        s.lagSeconds === null ||
        s.lagSeconds > (s.stream === 'contacts' ? CONTACTS_STALE_SECONDS : STREAM_STALE_SECONDS);
      const run = s.lastRun
        ? `${h(s.lastRun.status)}${s.lastRun.error ? `: ${h(s.lastRun.error)}` : ''}`
        : '—';
      return `<tr data-stream="${h(s.stream)}" class="${stale ? 'bad' : 'ok'}"><td>${h(s.stream)}</td><td class="lag">${h(ago(s.lagSeconds))}</td><td>${h(time(s.lastSucceededAt))}</td><td>${h(time(s.watermark))}</td><td>${run}</td></tr>`;
    })
    .join('');
  const empty =
    report.streams.length === 0
      ? '<p>No sync has run yet: run <code>intercom-pg-sync sync full</code>.</p>'
      : '';
  return `<section id="streams"><h2>Freshness</h2>${empty}
<table><thead><tr><th>Stream</th><th>Last success</th><th>At</th><th>Watermark</th><th>Last run</th></tr></thead><tbody>${rows}</tbody></table>
<h3>Lag over the last day</h3>
${lagChart(report.streams, report.chartFrom, report.generatedAt)}
</section>`;
}

function backlogSection(report: StatusReport): string {
  const { outbox, webhooks, rateBudget, queues } = report;
  const budget = rateBudget.available
    ? `${rateBudget.value.remaining} of ${rateBudget.value.limit} requests left in this window`
    : `unavailable: ${rateBudget.error}`;
  const queueLine = queues.available
    ? Object.entries(queues.value)
        .map(
          ([name, c]) =>
            `${name}: ${c.waiting ?? 0} waiting, ${c.active ?? 0} active, ${c.delayed ?? 0} delayed, ${c.failed ?? 0} failed`,
        )
        .join('; ')
    : `unavailable: ${queues.error}`;
  return `<section id="backlogs"><h2>Backlogs</h2><dl>
<dt>Outbox (Postgres → Intercom)</dt><dd id="outbox">${outbox.pending} pending, ${outbox.inFlight} in flight, ${outbox.failed} failed; oldest waiting ${h(outbox.oldestPendingSeconds === null ? 'none' : duration(outbox.oldestPendingSeconds))}</dd>
<dt>Webhooks (Intercom → Postgres)</dt><dd id="webhooks">${webhooks.received} waiting, ${webhooks.failed} failed; oldest waiting ${h(webhooks.oldestPendingSeconds === null ? 'none' : duration(webhooks.oldestPendingSeconds))}</dd>
<dt>Rate budget</dt><dd id="rate-budget">${h(budget)}</dd>
<dt>Queues</dt><dd id="queues">${h(queueLine)}</dd>
</dl></section>`;
}

function failedSection(report: StatusReport): string {
  if (!report.failed.available)
    return `<section id="failed"><h2>Failed records</h2><p>Unavailable: ${h(report.failed.error)}</p></section>`;
  const items = report.failed.value;
  const body =
    items.length === 0
      ? '<p>None.</p>'
      : `<table><thead><tr><th>Id</th><th>What</th><th>Reason</th><th>Attempts</th><th>When</th></tr></thead><tbody>${items
          .map(
            (f) =>
              `<tr data-failed="${h(f.id)}"><td><code>${h(f.id)}</code></td><td>${h(f.name)}</td><td class="reason">${h(f.reason)}</td><td>${f.attempts}</td><td>${h(f.at)}</td></tr>`,
          )
          .join(
            '',
          )}</tbody></table><p>Retry with <code>intercom-pg-sync failed retry &lt;id&gt;</code> once the cause is fixed.</p>`;
  return `<section id="failed"><h2>Failed records</h2>${body}</section>`;
}

function conflictsSection(report: StatusReport): string {
  const { open, newest } = report.conflicts;
  const body =
    open === 0
      ? '<p>None open.</p>'
      : `<p>${open} open; decide with <code>intercom-pg-sync conflicts resolve &lt;id&gt; --take local|remote</code>.</p><ul>${newest
          .map(
            (c) =>
              `<li data-conflict="${c.id}">#${c.id} ${h(c.entity)} ${h(c.intercomId)} ${h(c.field)} (${h(time(c.createdAt))})</li>`,
          )
          .join('')}</ul>`;
  return `<section id="conflicts"><h2>Open conflicts</h2>${body}</section>`;
}

function runsSection(report: StatusReport): string {
  const rows = report.runs
    .map(
      (r) =>
        `<tr data-run="${r.id}" class="${r.status === 'failed' ? 'bad' : 'ok'}"><td>${r.id}</td><td>${h(r.kind)}</td><td>${h(r.trigger)}</td><td class="status">${h(r.status)}</td><td>${h(time(r.startedAt))}</td><td>${r.finishedAt ? h(duration((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)) : 'running'}</td><td>${r.fetched}</td><td>${r.written}</td><td>${r.apiCalls}</td><td>${r.rateLimited}</td><td>${h(r.error ?? '')}</td></tr>`,
    )
    .join('');
  return `<section id="runs"><h2>Last runs</h2>
<table><thead><tr><th>Run</th><th>Kind</th><th>Trigger</th><th>Status</th><th>Started</th><th>Took</th><th>Fetched</th><th>Written</th><th>API calls</th><th>429s</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222;max-width:72rem}
h1{font-size:1.4rem;margin:0}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}h3{font-size:.95rem;margin:1rem 0 .3rem}
.meta{color:#666;margin:.2rem 0 1rem}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
tr.bad td:first-child{border-left:4px solid #c62828}tr.ok td:first-child{border-left:4px solid #2e7d32}
.verdict{padding:.6rem .9rem;border-radius:4px}.verdict.ok{background:#e8f5e9}.verdict.bad{background:#ffebee}
.verdict p{margin:0}.verdict ul{margin:.3rem 0 0}dt{font-weight:600;margin-top:.4rem}dd{margin:0 0 0 1rem}
code{background:#f4f4f4;padding:0 .2rem}svg{max-width:100%;height:auto}.legend span{margin-right:1rem}`;
