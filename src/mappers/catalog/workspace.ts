// The columns of intercom.data_attributes, intercom.admins and intercom.teams the full sync fills
// (docs/intercom-api.md#data-attributes, docs/intercom-api.md#admins-and-teams).
import type { JsonValue } from '../json.js';
import { defineCatalog, type FieldParser } from './column.js';
import {
  boolean,
  FieldIssue,
  intercomId,
  oneOf,
  received,
  requiredText,
  text,
  timestamp,
} from './parsers.js';

const local = {
  id: 'the local key (link tables refer to it)',
  deleted_at: 'set when Intercom no longer lists it',
};

/** A JSON array (an attribute's options), or null. */
const jsonArray: FieldParser<JsonValue[] | null> = (value) => {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value as JsonValue[];
  throw new FieldIssue(`expected an array, ${received(value)}`);
};

/** Ids Intercom sends as numbers (admins) or strings (teams): stored as text either way. */
const idText: FieldParser<string> = (value) =>
  intercomId(typeof value === 'number' && Number.isInteger(value) ? String(value) : value);

export const dataAttributeCatalog = defineCatalog({
  record: 'data attribute',
  table: 'intercom.data_attributes',
  columns: {
    // Standard attributes carry no id: the model and the full name are the key ("contact.custom_attributes.seats").
    intercom_id: {
      pg: 'text',
      api: 'full_name',
      read: (p) => (typeof p.model === 'string' ? `${p.model}.${String(p.full_name ?? p.name)}` : undefined),
      parse: intercomId,
      verify: false,
    },
    model: { pg: 'text', nullable: false, parse: oneOf('contact', 'company') },
    name: { pg: 'text', nullable: false, parse: requiredText },
    full_name: { pg: 'text', parse: text },
    label: { pg: 'text', parse: text },
    description: { pg: 'text', parse: text },
    data_type: { pg: 'text', nullable: false, parse: requiredText },
    options: { pg: 'jsonb', parse: jsonArray },
    api_writable: { pg: 'boolean', parse: boolean },
    ui_writable: { pg: 'boolean', parse: boolean },
    custom: { pg: 'boolean', parse: boolean },
    archived: { pg: 'boolean', parse: boolean },
    created_at: { pg: 'timestamptz', parse: timestamp },
    updated_at: { pg: 'timestamptz', parse: timestamp },
    raw: { pg: 'jsonb', source: 'payload' },
  },
  local,
});

export const adminCatalog = defineCatalog({
  record: 'admin',
  table: 'intercom.admins',
  columns: {
    intercom_id: { pg: 'text', api: 'id', parse: idText, verify: false },
    name: { pg: 'text', parse: text },
    email: { pg: 'text', parse: text },
    job_title: { pg: 'text', parse: text },
    away_mode_enabled: { pg: 'boolean', parse: boolean },
    away_mode_reassign: { pg: 'boolean', parse: boolean },
    has_inbox_seat: { pg: 'boolean', parse: boolean },
    raw: { pg: 'jsonb', source: 'payload' },
  },
  local,
});

export const teamCatalog = defineCatalog({
  record: 'team',
  table: 'intercom.teams',
  columns: {
    intercom_id: { pg: 'text', api: 'id', parse: idText, verify: false },
    name: { pg: 'text', parse: text },
    raw: { pg: 'jsonb', source: 'payload' },
  },
  local,
});
