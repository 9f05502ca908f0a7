// Benchmark: CPU per record of the contact and company mappers, on the sandbox's seeded workspace
// rendered as the REST API renders it (and, for contacts, as live webhook items carry timestamps:
// ISO 8601 strings with milliseconds). Prints figures, asserts nothing.
//
//   npx tsx bench/mappers.ts [--contacts 100000] [--companies 10000] [--rounds 5] [--seed 1] [--json]
//
// Payloads go through JSON text first, as the sync receives them (JSON.parse'd objects, not the
// sandbox's own). Each round maps every payload once; the figure is the median round's ns/record,
// after one warm-up round, so the JIT has settled on the hot path.
import { parseArgs } from 'node:util';
import { mapCompany } from '../src/mappers/company.js';
import { mapContact } from '../src/mappers/contact.js';
import { IdFactory } from '../src/sandbox/ids.js';
import { renderCompany, renderContact } from '../src/sandbox/render.js';
import { generateSeed } from '../src/sandbox/seed.js';
import { Store } from '../src/sandbox/store.js';

const { values: flags } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    companies: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});

function int(value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number above 0, got '${value}'`);
  return n;
}

const counts = { contacts: int(flags.contacts), companies: int(flags.companies) };
const rounds = int(flags.rounds);

/** The seeded workspace as JSON payloads: contacts, companies, and contacts with ISO timestamps. */
function payloads(): { contacts: unknown[]; companies: unknown[]; isoContacts: unknown[] } {
  const ids = new IdFactory('5a5a5a');
  const store = new Store({
    appId: 'bench',
    ids,
    clock: { nowMs: () => 0, now: () => 0 },
    searchLagMs: () => 0,
  });
  store.load(generateSeed(int(flags.seed), counts, ids));
  const roundTrip = (values: unknown[]): unknown[] => JSON.parse(JSON.stringify(values)) as unknown[];
  const contacts = [...store.contacts.values()].map((c) => renderContact(c, 'bench'));
  const companies = [...store.companies.values()].map((c) => renderCompany(c, store));
  return {
    contacts: roundTrip(contacts),
    companies: roundTrip(companies),
    isoContacts: roundTrip(contacts.map(isoTimestamps)),
  };
}

/** A payload's `*_at` seconds as a webhook item carries them: `2026-01-10T04:22:28.238+00:00`. */
function isoTimestamps(payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    out[key] =
      key.endsWith('_at') && typeof value === 'number' && value > 0
        ? new Date(value * 1000 + 238).toISOString().replace('Z', '+00:00')
        : value;
  }
  return out;
}

interface Figure {
  readonly records: number;
  /** Median round, nanoseconds per record. */
  readonly nsPerRecord: number;
  readonly roundsNs: readonly number[];
  /** Payloads the mapper refused (then the figure times the refusals). */
  readonly refused: number;
}

function measure(items: readonly unknown[], map: (payload: unknown) => unknown): Figure {
  let refused = 0;
  const once = (): number => {
    refused = 0;
    let sink = 0;
    const start = process.hrtime.bigint();
    for (const item of items) {
      try {
        if (map(item)) sink++;
      } catch {
        refused++;
      }
    }
    const ns = Number(process.hrtime.bigint() - start);
    if (sink + refused !== items.length) throw new Error('lost a record');
    return ns / items.length;
  };
  once();
  const roundsNs = Array.from({ length: rounds }, once);
  const sorted = [...roundsNs].sort((a, b) => a - b);
  return { records: items.length, nsPerRecord: sorted[Math.floor(sorted.length / 2)]!, roundsNs, refused };
}

const data = payloads();
const results = {
  contacts: measure(data.contacts, mapContact),
  companies: measure(data.companies, mapCompany),
  isoContacts: measure(data.isoContacts, mapContact),
};

if (flags.json) console.log(JSON.stringify(results));
else {
  const line = (label: string, f: Figure) =>
    console.log(
      `${label.padEnd(34)} ${String(Math.round(f.nsPerRecord)).padStart(7)} ns/record  ` +
        `(${f.records} records, median of ${rounds} rounds: ${f.roundsNs.map((n) => Math.round(n)).join(' ')}` +
        `${f.refused ? `; ${f.refused} refused` : ''})`,
    );
  line('mapContact, REST payloads', results.contacts);
  line('mapCompany, REST payloads', results.companies);
  line('mapContact, ISO-timestamp payloads', results.isoContacts);
}
