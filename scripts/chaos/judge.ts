// The end of a chaos run: the oracle's intended values against what Postgres and the sandbox hold,
// plus the product's own view (failed changes, open conflicts, runs, `verify`). Every figure is
// counted here from state; `verify` is one figure among them, not the judge.
import type pg from 'pg';
import type { Oracle } from './oracle.js';

type Control = <T>(method: string, path: string, body?: unknown) => Promise<T>;

interface SandboxContact {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly role: string;
  readonly state: string;
}

export interface Verdict {
  localEdits: number;
  bursts: number;
  creates: number;
  localLost: number;
  remoteEdits: number;
  remoteContacts: number;
  remoteMissing: number;
  bothSides: number;
  bothSidesWrong: number;
  /** Both-sides contacts left local-only: their push had not arrived when the agent was to edit. */
  bothSkipped: number;
  duplicates: number;
  /** Active sandbox contacts beyond the seeded ones and one per intended create. */
  extraContacts: number;
  failedChanges: number;
  pendingChanges: number;
  parkedRecords: number;
  openConflicts: number;
  runs: Record<string, number>;
  /** Lines naming each loss, for the run's log. */
  details: string[];
}

export async function judge(
  pool: pg.Pool,
  control: Control,
  oracle: Oracle,
  seededActive: number,
): Promise<Verdict> {
  const { contacts } = await control<{ contacts: SandboxContact[] }>('GET', '/state?entity=contacts');
  const active = contacts.filter((c) => c.state === 'active');
  const byId = new Map(active.map((c) => [c.id, c]));
  const { rows } = await pool.query<{ id: string; intercom_id: string | null; name: string | null }>(
    'select id, intercom_id, name from intercom.contacts',
  );
  const rowById = new Map(rows.map((r) => [Number(r.id), r]));
  const details: string[] = [];
  let localLost = 0;
  for (const [rowId, intended] of oracle.local) {
    const row = rowById.get(rowId);
    const remote = row?.intercom_id ? byId.get(row.intercom_id) : undefined;
    if (row?.name === intended.value && remote?.name === intended.value) continue;
    localLost += 1;
    details.push(
      `local row ${rowId}: meant ${intended.value}; Postgres ${row?.name ?? '(no row)'}, Intercom ${
        remote ? remote.name : row?.intercom_id ? `(no contact ${row.intercom_id})` : '(never created)'
      }`,
    );
  }
  let remoteMissing = 0;
  const rowByIntercomId = new Map(rows.filter((r) => r.intercom_id).map((r) => [r.intercom_id!, r]));
  for (const [intercomId, intended] of oracle.remote) {
    const row = rowByIntercomId.get(intercomId);
    const remote = byId.get(intercomId);
    if (row?.name === intended.value && remote?.name === intended.value) continue;
    remoteMissing += 1;
    details.push(
      `remote ${intercomId}: meant ${intended.value}; Postgres ${row?.name ?? '(no row)'}, Intercom ${remote?.name ?? '(gone)'}`,
    );
  }
  let bothSidesWrong = 0;
  for (const both of oracle.both.values()) {
    const row = rowById.get(both.rowId);
    const remote = byId.get(both.intercomId);
    if (row?.name === both.expected.value && remote?.name === both.expected.value) continue;
    bothSidesWrong += 1;
    details.push(
      `both sides row ${both.rowId} (${both.intercomId}): ${both.expected.side} edit ${both.expected.value} was newer; Postgres ${row?.name}, Intercom ${remote?.name}`,
    );
  }
  let duplicates = 0;
  for (const create of oracle.creates.values()) {
    const matches = active.filter((c) =>
      create.email !== null ? c.email === create.email : c.name === create.name && c.role === create.role,
    );
    if (matches.length > 1) {
      duplicates += matches.length - 1;
      details.push(
        `local row ${create.rowId}: ${matches.length} contacts in Intercom (${matches.map((m) => m.id).join(', ')})`,
      );
    }
  }
  const count = async (query: string) => (await pool.query<{ n: number }>(query)).rows[0]!.n;
  const runRows = await pool.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from intercom_sync.runs group by status',
  );
  return {
    localEdits: oracle.localEdits,
    bursts: oracle.bursts,
    creates: oracle.creates.size,
    localLost,
    remoteEdits: oracle.remoteEdits,
    remoteContacts: oracle.remote.size,
    remoteMissing,
    bothSides: oracle.both.size,
    bothSidesWrong,
    bothSkipped: oracle.bothSkipped,
    duplicates,
    extraContacts: Math.max(0, active.length - seededActive - oracle.creates.size),
    failedChanges: await count(`select count(*)::int as n from intercom_sync.outbox where state = 'failed'`),
    pendingChanges: await count(
      `select count(*)::int as n from intercom_sync.outbox where state in ('pending', 'in_flight')`,
    ),
    parkedRecords: await count('select count(*)::int as n from intercom_sync.parked_records'),
    openConflicts: await count(
      `select count(*)::int as n from intercom_sync.conflicts where status = 'open'`,
    ),
    runs: Object.fromEntries(runRows.rows.map((r) => [r.status, r.n])),
    details,
  };
}
