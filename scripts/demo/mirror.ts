// The demo's view of Postgres: what the mirror holds, the edits a user's app makes in SQL, and the
// sync state the demo waits on (outbox and webhook backlogs, conflicts).
import pg from 'pg';

export interface Mirror {
  query<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  one<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T | undefined>;
  /** No local change waiting or in flight, and no stored webhook left to apply. */
  idle(): Promise<boolean>;
  /** No stored webhook left to apply. */
  webhooksApplied(): Promise<boolean>;
  close(): Promise<void>;
}

/** @example const mirror = await openMirror(process.env.DATABASE_URL!); await mirror.query('select 1'); */
export async function openMirror(url: string): Promise<Mirror> {
  const client = new pg.Client({ connectionString: url, application_name: 'intercom-pg-sync demo' });
  await client.connect();
  const query = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await client.query<T>(text, values)).rows;
  return {
    query,
    one: async <T extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
      (await query<T>(text, values))[0] as T | undefined,
    async idle() {
      const [row] = await query<{ outbox: number; webhooks: number }>(`
        select (select count(*)::int from intercom_sync.outbox where state in ('pending', 'in_flight')) as outbox,
               (select count(*)::int from intercom_sync.webhook_events where status = 'received') as webhooks`);
      return row!.outbox === 0 && row!.webhooks === 0;
    },
    async webhooksApplied() {
      const [row] = await query<{ n: number }>(
        `select count(*)::int as n from intercom_sync.webhook_events where status = 'received'`,
      );
      return row!.n === 0;
    },
    close: () => client.end(),
  };
}

/** Prints rows as an aligned table, the way psql does. */
export function printRows(rows: readonly Record<string, unknown>[]): void {
  if (rows.length === 0) return console.log('  (no rows)');
  const columns = Object.keys(rows[0]!);
  const show = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? '' : String(v));
  const cells = rows.map((r) => columns.map((c) => show(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => `  ${values.map((v, i) => v.padEnd(widths[i]!)).join(' │ ')}`.trimEnd();
  console.log(line(columns));
  console.log(`  ${widths.map((w) => '─'.repeat(w)).join('─┼─')}`);
  for (const row of cells) console.log(line(row));
}
