// `intercom-pg-sync verify [--json]`: reads Intercom and the mirror and lists every difference;
// exits 1 when they differ, so scripts and alerts can rely on it.
import type { Command } from 'commander';
import type { Difference, VerifyReport } from '../../sync/verify.js';
import { DEFAULT_VERIFY_LIMIT } from '../../sync/verify-limit.js';
import type { CommandContext } from '../command-context.js';
import { FOUND_A_PROBLEM } from '../exit-codes.js';
import { wholeNumber } from '../number-options.js';
import { UserError } from '../user-error.js';

/** Differences printed by the text output; --json lists up to --limit. */
const TEXT_SHOWN = 20;

export function registerVerify(program: Command, context: CommandContext): void {
  program
    .command('verify')
    .description('compare Postgres with Intercom and list every difference (exit 1 when they differ)')
    .option('--json', 'print one JSON document')
    .option('--limit <n>', 'differences listed (all are counted)', wholeNumber(0), DEFAULT_VERIFY_LIMIT)
    .option(
      '--via <reader>',
      'read contacts through `list` (one cursor) or `search` (parallel partitions)',
      'list',
    )
    .action(async (options: { json?: boolean; limit: number; via: string }) => {
      const limit = options.limit;
      if (options.via !== 'list' && options.via !== 'search')
        throw new UserError(`--via takes list or search; got '${options.via}'.`);
      const json = Boolean(options.json);
      const contactsVia = options.via;
      const config = context.config(['DATABASE_URL', 'REDIS_URL', 'INTERCOM_TOKEN']);
      const log = context.logger(config, json ? 'json-command' : 'command');
      const [{ withRuntime }, { verifyMirror }] = await Promise.all([
        import('../../app/runtime.js'),
        import('../../sync/verify.js'),
      ]);
      await withRuntime(config, { log, name: 'intercom-pg-sync verify' }, async (rt) => {
        const report = await verifyMirror(rt, { limit, contactsVia });
        if (json) console.log(JSON.stringify(report));
        else printReport(report);
        if (!report.clean) process.exitCode = FOUND_A_PROBLEM;
      });
    });
}

function printReport(report: VerifyReport): void {
  const { checked, counts } = report;
  const read = `${checked.contacts} contacts, ${checked.companies} companies, ${checked.tags} tags, ${checked.segments} segments`;
  const seconds = (report.durationMs / 1000).toFixed(1);
  for (const d of report.duplicates)
    console.log(
      `verify: duplicate in Intercom — local row ${d.rowId} is ${d.intercomIds.join(' and ')} (${d.reason})`,
    );
  for (const r of report.interruptedRuns)
    console.log(
      `verify: ${r.kind} run ${r.id} was interrupted — still 'running', nothing since ${r.last_activity.toISOString()}`,
    );
  if (report.clean) {
    console.log(`verify: clean — Postgres matches Intercom (${read} checked in ${seconds} s)`);
    return;
  }
  if (counts.total === 0) return;
  const entities = Object.entries(counts.byEntity)
    .map(([entity, n]) => `${entity} ${n}`)
    .join(', ');
  console.log(
    `verify: ${counts.total} differences (missing ${counts.missing}, extra ${counts.extra}, stale ${counts.stale}; ${entities}) — ${read} checked in ${seconds} s`,
  );
  for (const difference of report.differences.slice(0, TEXT_SHOWN)) console.log(`  ${describe(difference)}`);
  if (counts.total > TEXT_SHOWN)
    console.log(`  … and ${counts.total - TEXT_SHOWN} more (--json lists up to --limit)`);
}

function describe(d: Difference): string {
  const show = (value: unknown) => (value instanceof Date ? value.toISOString() : JSON.stringify(value));
  if (d.kind === 'stale')
    return `${d.entity} ${d.intercom_id}: ${d.field} is ${show(d.postgres)} in Postgres, ${show(d.intercom)} in Intercom`;
  if (d.entity.includes('_')) {
    return d.kind === 'missing'
      ? `${d.entity} ${d.intercom_id} → ${String(d.intercom)}: linked in Intercom, not in Postgres`
      : `${d.entity} ${d.intercom_id} → ${String(d.postgres)}: linked in Postgres, not in Intercom`;
  }
  return d.kind === 'missing'
    ? `${d.entity} ${d.intercom_id}: in Intercom, ${d.postgres ? 'marked deleted' : 'absent'} in Postgres${d.field ? ` (${d.field}${d.intercom ? `: ${String(d.intercom)}` : ''})` : ''}`
    : `${d.entity} ${d.intercom_id}: live in Postgres, not in Intercom`;
}
