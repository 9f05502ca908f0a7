// Every column of intercom.companies the sync fills: its Postgres type, where Intercom's company
// carries it, how it is parsed, whether the push writes it and whether verify compares it.
// Adding an Intercom field is one entry here (and a migration for the column).
import { defineCatalog } from './column.js';
import { intercomId, integer, jsonObject, number, text, timestamp } from './parsers.js';

/** Responses carry `plan: {type:"plan",id,name}` (`{}` without a plan); requests and some fixtures a plain name. */
function planName(payload: Readonly<Record<string, unknown>>): unknown {
  const plan = payload.plan;
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) return plan;
  return (plan as { name?: unknown }).name ?? null;
}

export const companyCatalog = defineCatalog({
  record: 'company',
  table: 'intercom.companies',
  columns: {
    intercom_id: { pg: 'text', api: 'id', parse: intercomId, verify: false },
    // Intercom creates and updates companies by it (docs/intercom-api.md#companies).
    company_id: { pg: 'text', parse: text, push: 'value' },
    app_id: { pg: 'text', parse: text },
    name: { pg: 'text', parse: text, push: 'value' },
    // The plan's name; pushed as a plain name, which is what POST /companies takes.
    plan: { pg: 'text', api: 'plan.name', read: planName, parse: text, push: 'value' },
    size: { pg: 'integer', parse: integer, push: 'value' },
    website: { pg: 'text', parse: text, push: 'value' },
    industry: { pg: 'text', parse: text, push: 'value' },
    monthly_spend: { pg: 'numeric', parse: number, push: 'value' },
    session_count: { pg: 'integer', parse: integer },
    user_count: { pg: 'integer', parse: integer },
    custom_attributes: { pg: 'jsonb', nullable: false, parse: jsonObject, nullAs: {}, push: 'value' },
    remote_created_at: { pg: 'timestamptz', parse: timestamp, push: 'unix-seconds' },
    created_at: { pg: 'timestamptz', parse: timestamp },
    updated_at: { pg: 'timestamptz', parse: timestamp },
    last_request_at: { pg: 'timestamptz', parse: timestamp },
    raw: { pg: 'jsonb', source: 'payload' },
    // Equal payloads, equal rows: saveCompanies skips a company whose stored digest matches (migration 0003).
    content_hash: { pg: 'text', source: 'digest' },
  },
  local: {
    id: 'the local key (link tables and the outbox refer to it)',
    deleted_at: 'set when Intercom no longer has the company',
  },
});
