// The columns of intercom.tags and intercom.segments the sync fills, as catalogs like contacts'.
import { defineCatalog } from './column.js';
import { intercomId, integer, requiredText, text, timestamp } from './parsers.js';

const local = {
  id: 'the local key (link tables refer to it)',
  deleted_at: 'set when Intercom no longer has it',
};

export const tagCatalog = defineCatalog({
  record: 'tag',
  table: 'intercom.tags',
  columns: {
    intercom_id: { pg: 'text', api: 'id', parse: intercomId, verify: false },
    name: { pg: 'text', nullable: false, parse: requiredText },
    raw: { pg: 'jsonb', source: 'payload' },
  },
  local,
});

export const segmentCatalog = defineCatalog({
  record: 'segment',
  table: 'intercom.segments',
  columns: {
    intercom_id: { pg: 'text', api: 'id', parse: intercomId, verify: false },
    name: { pg: 'text', nullable: false, parse: requiredText },
    person_type: { pg: 'text', parse: text },
    // Changes whenever a member joins or leaves; not drift.
    count: { pg: 'integer', parse: integer, verify: false },
    created_at: { pg: 'timestamptz', parse: timestamp },
    updated_at: { pg: 'timestamptz', parse: timestamp },
    raw: { pg: 'jsonb', source: 'payload' },
  },
  local,
});
