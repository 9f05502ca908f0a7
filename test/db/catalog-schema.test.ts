// Each catalog held against the schema the migrations build: every catalog column exists with its
// type and nullability, and every column of the table is either the catalog's or a listed local one.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCatalog, type Catalog } from '../../src/mappers/catalog/column.js';
import { companyCatalog } from '../../src/mappers/catalog/company.js';
import { contactCatalog } from '../../src/mappers/catalog/contact.js';
import { text } from '../../src/mappers/catalog/parsers.js';
import { segmentCatalog, tagCatalog } from '../../src/mappers/catalog/tag-segment.js';
import { adminCatalog, dataAttributeCatalog, teamCatalog } from '../../src/mappers/catalog/workspace.js';
import { createMigratedDatabase, type MigratedDatabase } from './migrated-database.js';

interface SchemaColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
}

let m: MigratedDatabase;
beforeAll(async () => {
  m = await createMigratedDatabase('catalog');
});
afterAll(() => m?.close());

async function tableColumns(table: string): Promise<SchemaColumn[]> {
  const [schema, name] = table.split('.');
  const result = await sql<{ name: string; type: string; nullable: string }>`
    select column_name as name, data_type as type, is_nullable as nullable
    from information_schema.columns where table_schema = ${schema} and table_name = ${name}
    order by ordinal_position`.execute(m.db);
  return result.rows.map((r) => ({ name: r.name, type: r.type, nullable: r.nullable === 'YES' }));
}

/** information_schema's name for each catalog type. */
const SCHEMA_TYPE: Record<string, string> = {
  text: 'text',
  bigint: 'bigint',
  integer: 'integer',
  numeric: 'numeric',
  boolean: 'boolean',
  jsonb: 'jsonb',
  timestamptz: 'timestamp with time zone',
};

/** Where a catalog and its table disagree, one line each. */
function mismatches(catalog: Catalog, columns: readonly SchemaColumn[]): string[] {
  const found: string[] = [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const column of catalog.list) {
    const actual = byName.get(column.name);
    if (!actual) found.push(`${column.name}: in the catalog, not in ${catalog.table}`);
    else {
      if (SCHEMA_TYPE[column.pg] !== actual.type)
        found.push(`${column.name}: ${column.pg} in the catalog, ${actual.type} in the table`);
      if (column.nullable !== actual.nullable)
        found.push(
          `${column.name}: ${column.nullable ? 'nullable' : 'not null'} in the catalog, ${actual.nullable ? 'nullable' : 'not null'} in the table`,
        );
    }
  }
  const known = new Set([...catalog.list.map((c) => c.name), ...Object.keys(catalog.local)]);
  for (const column of columns)
    if (!known.has(column.name))
      found.push(`${column.name}: in ${catalog.table}, neither in the catalog nor a listed local column`);
  for (const local of Object.keys(catalog.local))
    if (!byName.has(local)) found.push(`${local}: listed as local, not in ${catalog.table}`);
  return found;
}

describe('the catalogs against the migrated schema', () => {
  it.each(
    [
      contactCatalog,
      companyCatalog,
      tagCatalog,
      segmentCatalog,
      dataAttributeCatalog,
      adminCatalog,
      teamCatalog,
    ].map((c) => [c.table, c] as const),
  )(
    '%s: every column the catalog names exists with its type and nullability, and every other one is listed as local',
    async (table, catalog) => {
      const columns = await tableColumns(table);
      expect(columns.length).toBeGreaterThan(0);
      expect(mismatches(catalog, columns)).toEqual([]);
    },
  );

  it('reports a catalog column the table lacks, a wrong type or nullability, and a table column nobody lists', async () => {
    const { workspace_id: _dropped, ...rest } = contactCatalog.columns;
    const wrong = defineCatalog({
      ...contactCatalog,
      columns: {
        ...rest,
        owner_id: { pg: 'text', parse: text },
        email: { pg: 'text', nullable: false, parse: text },
        timezone: { pg: 'text', parse: text },
      },
    });
    expect(mismatches(wrong, await tableColumns('intercom.contacts')).sort()).toEqual(
      [
        'owner_id: text in the catalog, bigint in the table',
        'email: not null in the catalog, nullable in the table',
        'timezone: in the catalog, not in intercom.contacts',
        'workspace_id: in intercom.contacts, neither in the catalog nor a listed local column',
      ].sort(),
    );
  });
});
