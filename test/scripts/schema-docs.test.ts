// docs/schema.md is generated from the column catalogs: it must be what `npm run docs:schema`
// writes now, so a catalog change without regenerating the reference fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchemaDoc, SCHEMA_DOC } from '../../scripts/schema-docs.js';
import { contactCatalog } from '../../src/mappers/catalog/contact.js';

describe('docs/schema.md', () => {
  it('is what `npm run docs:schema` generates from the catalogs (run it after changing a catalog)', async () => {
    expect(readFileSync(SCHEMA_DOC, 'utf8')).toBe(await renderSchemaDoc());
  });

  it('documents every catalog column with where Intercom carries it and whether the push writes it', async () => {
    const doc = (await renderSchemaDoc()).replace(/ +\|/g, ' |');
    for (const column of contactCatalog.list) expect(doc).toContain(`| \`${column.name}\` |`);
    expect(doc).toMatch(/^\| `email` \| text \| `email` \| yes \| yes \|$/m);
    expect(doc).toMatch(
      /^\| `signed_up_at` \| timestamptz \| `signed_up_at` \| yes \(as UNIX seconds\) \| yes \|$/m,
    );
    expect(doc).toMatch(/^\| `plan` \| text \| `plan\.name` \| yes \| yes \|$/m);
    expect(doc).toContain('### intercom_sync.outbox');
  });
});
