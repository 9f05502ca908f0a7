// Writes docs/schema.md, the operators' reference of every table, from the column catalogs
// (src/mappers/catalog/) for the mirrored records and from the descriptions below for the rest.
// `npm run docs:schema` regenerates it; test/scripts/schema-docs.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import type { Catalog, ResolvedColumn } from '../src/mappers/catalog/column.js';
import { companyCatalog } from '../src/mappers/catalog/company.js';
import { contactCatalog } from '../src/mappers/catalog/contact.js';
import { segmentCatalog, tagCatalog } from '../src/mappers/catalog/tag-segment.js';

export const SCHEMA_DOC = fileURLToPath(new URL('../docs/schema.md', import.meta.url));

const MIRRORED: readonly { catalog: Catalog; holds: string }[] = [
  {
    catalog: contactCatalog,
    holds:
      'One row per Intercom contact, users and leads alike (`role`), archived ones included (`archived`). ' +
      'Merged-away leads and contacts deleted in Intercom stay, with `deleted_at` set.',
  },
  {
    catalog: companyCatalog,
    holds: 'One row per Intercom company; deleted ones stay, with `deleted_at` set.',
  },
  { catalog: tagCatalog, holds: 'One row per tag of the workspace.' },
  { catalog: segmentCatalog, holds: 'One row per segment of the workspace (contacts and companies).' },
];

interface Table {
  readonly name: string;
  readonly holds: string;
  readonly columns: Readonly<Record<string, string>>;
}

/** The mirror's tables that no catalog describes: notes and the links between records. */
const OTHER_MIRROR: readonly Table[] = [
  {
    name: 'intercom.notes',
    holds:
      "A contact's notes. Intercom cannot edit or delete a note through the API, so a note once read never " +
      'changes; a row you insert is created in Intercom (author `author_id`, else `INTERCOM_ADMIN_ID`).',
    columns: {
      id: 'the local key',
      intercom_id: "Intercom's id; null until the note exists in Intercom",
      contact_id: 'the contact (`intercom.contacts.id`)',
      body: 'the note as HTML',
      author_id: 'the admin who wrote it',
      created_at: 'when it was written',
      deleted_at: 'set when its contact is gone from Intercom',
      raw: 'the payload as received',
    },
  },
  ...(
    [
      [
        'contact_companies',
        'contact_id',
        'company_id',
        'Which contact belongs to which company (written by the push too).',
      ],
      ['contact_tags', 'contact_id', 'tag_id', 'Which tags each contact has.'],
      ['company_tags', 'company_id', 'tag_id', 'Which tags each company has.'],
      [
        'contact_segments',
        'contact_id',
        'segment_id',
        'Which segments each contact is in; read only with `SYNC_CONTACT_SEGMENTS=true` (one call per contact).',
      ],
      ['company_segments', 'company_id', 'segment_id', 'Which segments each company is in.'],
    ] as const
  ).map(([table, from, to, holds]) => ({
    name: `intercom.${table}`,
    holds: `${holds} Local ids on both sides; the pair is the key.`,
    columns: {
      [from]: `\`intercom.${from.replace('_id', '')}s.id\``.replace('companys', 'companies'),
      [to]: `\`intercom.${to.replace('_id', '')}s.id\``.replace('companys', 'companies'),
    },
  })),
];

/** The sync's own state: read them to see what it did; only the service's role writes them. */
const STATE: readonly Table[] = [
  {
    name: 'intercom_sync.runs',
    holds: 'One row per sync run (full or incremental), with its trigger, status and error.',
    columns: {
      id: 'run id',
      kind: '`full` or `incremental`',
      trigger: 'schedule, cli, manual',
      status: 'running, succeeded, failed, cancelled',
      started_at: '',
      finished_at: '',
      options: 'what it was asked for',
      error: 'why it failed',
    },
  },
  {
    name: 'intercom_sync.run_streams',
    holds: 'Per run and stream (tags, segments, companies, contacts, notes): the figures `status` shows.',
    columns: {
      run_id: '',
      stream: '',
      status: '',
      complete: 'the pass saw every record (only then are unseen ones marked deleted)',
      fetched: '',
      inserted: '',
      updated: '',
      unchanged: '',
      deleted: '',
      api_calls: '',
      rate_limited: '429 answers',
      duration_ms: '',
      error: '',
    },
  },
  {
    name: 'intercom_sync.watermarks',
    holds: 'Per stream, the newest change the mirror holds; incremental syncs read from it.',
    columns: { stream: '', watermark: '', last_run_id: '', updated_at: '' },
  },
  {
    name: 'intercom_sync.checkpoints',
    holds: "A full run's position per stream and partition, so a run cut off resumes where it stopped.",
    columns: { run_id: '', stream: '', partition: '', cursor: '', fetched: '', done: '', updated_at: '' },
  },
  {
    name: 'intercom_sync.seen',
    holds: 'The records a full pass saw; what it did not see is marked deleted when the pass completes.',
    columns: { run_id: '', entity: '', intercom_id: '' },
  },
  {
    name: 'intercom_sync.webhook_events',
    holds: 'Every webhook notification received, once per notification id, and what became of it.',
    columns: {
      id: '',
      notification_id: 'unique: a second delivery is a no-op',
      topic: '',
      item_type: '',
      item_id: '',
      app_id: '',
      notified_at: '',
      received_at: '',
      status: 'received, applied, ignored, failed',
      attempts: '',
      applied_at: '',
      error: 'why it failed',
      payload: 'the notification as received',
    },
  },
  {
    name: 'intercom_sync.outbox',
    holds: 'Every local change to the mirror, captured by a trigger, until it is pushed to Intercom.',
    columns: {
      id: '',
      entity: 'contact, company, contact_company, note',
      row_id: 'the local row',
      op: 'insert, update, delete',
      changed_columns: '',
      old_data: '',
      new_data: '',
      state: 'pending, in_flight, done, failed, superseded',
      attempts: '',
      next_attempt_at: '',
      last_error: 'why it failed',
      txid: 'the transaction that made it',
      created_at: '',
      updated_at: '',
    },
  },
  {
    name: 'intercom_sync.snapshots',
    holds:
      'Per record, the values both sides last agreed on: what a field edited on both sides is judged against.',
    columns: {
      entity: '',
      row_id: '',
      intercom_id: '',
      data: '',
      remote_updated_at: "Intercom's updated_at then",
      agreed_at: '',
    },
  },
  {
    name: 'intercom_sync.conflicts',
    holds:
      'A field changed on both sides and how it was decided, or a duplicate Intercom reported; open ones wait for `conflicts resolve`.',
    columns: {
      id: '',
      kind: '`field` or `api_conflict`',
      entity: '',
      row_id: '',
      intercom_id: '',
      field: '',
      base_value: 'the agreed value',
      local_value: '',
      remote_value: '',
      policy: '',
      decision: '`local` or `remote`',
      status: 'open, settled, resolved',
      detail: '',
      created_at: '',
      resolved_at: '',
    },
  },
];

function pushed(column: ResolvedColumn): string {
  switch (column.push) {
    case 'value':
      return 'yes';
    case 'unix-seconds':
      return 'yes (as UNIX seconds)';
    case 'own-endpoint':
      return 'yes (its own call)';
    default:
      return '';
  }
}

function fromIntercom(column: ResolvedColumn): string {
  if (column.source === 'payload') return 'the whole payload as received';
  if (column.source === 'digest') return 'a digest of the payload (unchanged records are skipped)';
  return `\`${column.api}\``;
}

function mirroredSection({ catalog, holds }: (typeof MIRRORED)[number]): string[] {
  const lines = [`### ${catalog.table}`, '', holds, ''];
  lines.push('| column | type | from Intercom | pushed | verified |', '|---|---|---|---|---|');
  for (const local of Object.keys(catalog.local).slice(0, 1))
    lines.push(`| \`${local}\` | bigint, primary key | local: ${catalog.local[local]} | | |`);
  for (const column of catalog.list) {
    const type = `${column.pg}${column.nullable ? '' : ', not null'}`;
    lines.push(
      `| \`${column.name}\` | ${type} | ${fromIntercom(column)} | ${pushed(column)} | ${column.verified ? 'yes' : ''} |`,
    );
  }
  for (const local of Object.keys(catalog.local).slice(1))
    lines.push(`| \`${local}\` | | local: ${catalog.local[local]} | | |`);
  return [...lines, ''];
}

function tableSection(table: Table): string[] {
  const lines = [`### ${table.name}`, '', table.holds, ''];
  const described = Object.entries(table.columns);
  if (described.every(([, what]) => what === '')) {
    lines.push(`Columns: ${described.map(([name]) => `\`${name}\``).join(', ')}.`);
  } else {
    lines.push('| column | what it holds |', '|---|---|');
    for (const [name, what] of described) lines.push(`| \`${name}\` | ${what} |`);
  }
  return [...lines, ''];
}

/**
 * The text of docs/schema.md, formatted as the repository's prettier settings format it.
 * @example writeFileSync(SCHEMA_DOC, await renderSchemaDoc());
 */
export async function renderSchemaDoc(): Promise<string> {
  const text = [
    '# The schema',
    '',
    '<!-- Generated by `npm run docs:schema` (scripts/schema-docs.ts) from src/mappers/catalog/. Do not edit: a test fails when this file is stale. -->',
    '',
    'Two schemas. `intercom` is the mirror: one table per kind of Intercom record, and link tables,',
    'that your app reads and may write (a trigger captures each change and the daemon pushes it).',
    "`intercom_sync` is the sync's own state; read it to see what the sync did, never write it.",
    '',
    "In the mirror tables, **from Intercom** is where the value is in the API's record (a dotted",
    'path for a nested field); **pushed** marks the columns a local edit sends to Intercom (edits to',
    'other columns are kept locally and overwritten by the next sync); **verified** marks the columns',
    '`intercom-pg-sync verify` compares with Intercom.',
    '',
    '## The mirror (`intercom`)',
    '',
    ...MIRRORED.flatMap(mirroredSection),
    ...OTHER_MIRROR.flatMap(tableSection),
    "## The sync's state (`intercom_sync`)",
    '',
    ...STATE.flatMap(tableSection),
  ].join('\n');
  return prettier.format(text, { ...(await prettier.resolveConfig(SCHEMA_DOC)), parser: 'markdown' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_DOC, await renderSchemaDoc());
  console.log(`wrote ${SCHEMA_DOC}`);
}
