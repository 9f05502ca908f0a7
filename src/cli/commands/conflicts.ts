// `intercom-sync conflicts list|resolve`: the decisions taken when both sides changed a field or
// Intercom reported a duplicate, and re-deciding one (the chosen value is written as a local edit
// and pushed like any other).
import type { Command } from 'commander';
import { sql } from 'kysely';
import { loadConfig } from '../../config/config.js';
import { getConflict, listConflicts, markConflictResolved } from '../../db/conflicts.js';
import { createDatabase } from '../../db/database.js';
import { parseFieldPath } from '../../mappers/field-path.js';
import { COMPANY_TIMESTAMPS, CONTACT_TIMESTAMPS } from '../../mappers/push-input.js';
import { UserError } from '../user-error.js';

const TABLES: Record<string, string> = { contact: 'intercom.contacts', company: 'intercom.companies' };
const TIMESTAMPS: ReadonlySet<string> = new Set([...CONTACT_TIMESTAMPS, ...COMPANY_TIMESTAMPS]);

export function registerConflicts(program: Command): void {
  const conflicts = program
    .command('conflicts')
    .description('fields changed on both sides, and how they were settled');
  conflicts
    .command('list')
    .description('the latest conflicts (open ones wait for you)')
    .option('--open', 'only those waiting for a decision')
    .option('--json', 'print one JSON document')
    .action(async (options: { open?: boolean; json?: boolean }) => {
      const config = loadConfig(process.env, ['DATABASE_URL']);
      const db = createDatabase({ url: config.DATABASE_URL, poolSize: 1 });
      try {
        const rows = await listConflicts(db, { openOnly: Boolean(options.open) });
        if (options.json) return console.log(JSON.stringify({ conflicts: rows }));
        if (rows.length === 0) return console.log('no conflicts');
        for (const c of rows) {
          const what =
            c.kind === 'field'
              ? `${c.field}: local ${show(c.local_value)} vs Intercom ${show(c.remote_value)}`
              : String((c.detail as { message?: string } | null)?.message ?? 'API conflict');
          console.log(
            `#${c.id} ${c.status.padEnd(8)} ${c.entity} row ${c.row_id} (${c.intercom_id ?? 'not in Intercom'}) ${what}` +
              (c.decision ? ` → ${c.decision}${c.policy ? ` by ${c.policy}` : ''}` : ''),
          );
        }
      } finally {
        await db.destroy();
      }
    });
  conflicts
    .command('resolve <id>')
    .description('decide a conflict again: the chosen value is written locally and pushed')
    .requiredOption('--take <side>', 'local or remote')
    .action(async (id: string, options: { take: string }) => {
      if (options.take !== 'local' && options.take !== 'remote')
        throw new UserError("--take must be 'local' or 'remote'.");
      const config = loadConfig(process.env, ['DATABASE_URL']);
      const db = createDatabase({ url: config.DATABASE_URL, poolSize: 1 });
      try {
        const conflict = await getConflict(db, Number(id));
        if (!conflict)
          throw new UserError(`there is no conflict #${id} (see \`intercom-sync conflicts list\`).`);
        if (
          conflict.kind === 'field' &&
          conflict.field &&
          TABLES[conflict.entity] &&
          conflict.row_id !== null
        ) {
          const value = options.take === 'local' ? conflict.local_value : conflict.remote_value;
          await writeField(db, TABLES[conflict.entity]!, conflict.row_id, conflict.field, value);
        }
        await markConflictResolved(db, conflict.id, options.take);
        console.log(
          `conflict #${conflict.id} resolved: ${options.take} value taken` +
            (conflict.kind === 'field' ? '; it will be pushed to Intercom' : ''),
        );
      } finally {
        await db.destroy();
      }
    });
}

/** A plain local update (captured into the outbox, so the push sends it to Intercom). */
async function writeField(
  db: ReturnType<typeof createDatabase>,
  table: string,
  rowId: number,
  field: string,
  value: unknown,
) {
  const { column, key } = parseFieldPath(field);
  // Conflicts keep timestamps as the API's UNIX seconds; the columns are timestamptz.
  const timestamp = TIMESTAMPS.has(field) && typeof value === 'number';
  const json = JSON.stringify(timestamp ? new Date(value * 1000).toISOString() : (value ?? null));
  const target = sql.table(table);
  if (key !== null) {
    await sql`update ${target} set custom_attributes = jsonb_set(custom_attributes, ${[key]}::text[], ${json}::jsonb) where id = ${rowId}`.execute(
      db,
    );
  } else {
    // jsonb → the column's own type, whatever it is (text, boolean, timestamptz).
    await sql`update ${target} t set ${sql.ref(column)} = (jsonb_populate_record(t, jsonb_build_object(${column}::text, ${json}::jsonb))).${sql.ref(column)} where id = ${rowId}`.execute(
      db,
    );
  }
}

function show(value: unknown): string {
  return value === null || value === undefined ? 'null' : JSON.stringify(value);
}
