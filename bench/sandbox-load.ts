// Load benchmark for the sandbox: time to seed N contacts, then latency of 150-contact list
// pages, created_at-partitioned search pages and an updated_at incremental search, with no
// injected latency; prints the figures and RSS, and exits 1 if a target is missed (the load in
// under 10 s, a median page in under 100 ms). Usage: npx tsx bench/sandbox-load.ts [contacts]
import { startSandbox } from '../src/sandbox/server.js';

const contacts = Number(process.argv[2] ?? 100_000);
const rounds = 200;

function summary(label: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return `${label.padEnd(34)} p50 ${at(0.5)} ms   p95 ${at(0.95)} ms   max ${at(1)} ms   (n=${times.length})`;
}

const started = performance.now();
const sandbox = await startSandbox({
  contacts,
  companies: Math.max(1, Math.round(contacts / 20)),
  seed: 1,
  rateLimit: 0,
});
const startMs = performance.now() - started;
const headers = { authorization: `Bearer ${sandbox.options.token}`, 'content-type': 'application/json' };

async function timed(path: string, init: RequestInit = {}): Promise<[number, any]> {
  const t = performance.now();
  const response = await fetch(sandbox.url + path, { headers, ...init });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return [performance.now() - t, body];
}

// List: walk cursors from the start.
const list: number[] = [];
let after: string | undefined;
for (let i = 0; i < rounds; i++) {
  const [ms, body] = await timed(
    `/contacts?per_page=150${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`,
  );
  list.push(ms);
  after = body.pages.next?.starting_after;
}

// Search: the sync's partitioned full read (created_at ranges, sorted, paginated in the body).
const partitions = Array.from({ length: 10 }, (_, i) => 1_559_000_000 + i * 15_000_000);
const search: number[] = [];
for (const lo of partitions) {
  let cursor: string | undefined;
  for (let page = 0; page < rounds / partitions.length; page++) {
    const body = {
      query: {
        operator: 'AND',
        value: [
          { field: 'created_at', operator: '>', value: lo },
          { field: 'created_at', operator: '<', value: lo + 15_000_000 },
        ],
      },
      sort: { field: 'created_at', order: 'ascending' },
      pagination: { per_page: 150, ...(cursor ? { starting_after: cursor } : {}) },
    };
    const [ms, result] = await timed('/contacts/search', { method: 'POST', body: JSON.stringify(body) });
    search.push(ms);
    cursor = result.pages.next?.starting_after;
    if (!cursor) break;
  }
}

// Incremental: updated_at from a day, sorted by updated_at (the query shape the notes recommend).
const incremental: number[] = [];
let cursor: string | undefined;
for (let i = 0; i < rounds / 2; i++) {
  const body = {
    query: {
      operator: 'OR',
      value: [
        { field: 'updated_at', operator: '>', value: 1_700_000_000 },
        { field: 'updated_at', operator: '=', value: 1_700_000_000 },
      ],
    },
    sort: { field: 'updated_at', order: 'ascending' },
    pagination: { per_page: 150, ...(cursor ? { starting_after: cursor } : {}) },
  };
  const [ms, result] = await timed('/contacts/search', { method: 'POST', body: JSON.stringify(body) });
  incremental.push(ms);
  cursor = result.pages.next?.starting_after;
  if (!cursor) cursor = undefined;
}

const rss = process.memoryUsage().rss / 1024 / 1024;
console.log(
  `sandbox load benchmark — ${contacts.toLocaleString('en')} contacts, ${sandbox.options.companies} companies, seed 1, no injected latency`,
);
console.log(
  `${'seed + load (generate, index)'.padEnd(34)} ${sandbox.loadMs.toFixed(0)} ms  (server listening after ${startMs.toFixed(0)} ms)`,
);
console.log(summary('GET /contacts per_page=150', list));
console.log(summary('search created_at range, 150', search));
console.log(summary('search updated_at OR, 150', incremental));
console.log(`${'RSS after run'.padEnd(34)} ${rss.toFixed(0)} MB`);
await sandbox.close();

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
const missed = [
  sandbox.store.activeContactCount !== contacts &&
    `${sandbox.store.activeContactCount} active contacts loaded (expected ${contacts})`,
  sandbox.loadMs >= 10_000 && `seed + load took ${sandbox.loadMs.toFixed(0)} ms (target < 10 000 ms)`,
  median(list) >= 100 && `list page median ${median(list).toFixed(1)} ms (target < 100 ms)`,
  median(search) >= 100 && `search page median ${median(search).toFixed(1)} ms (target < 100 ms)`,
].filter(Boolean);
for (const line of missed) console.log(`target missed: ${line}`);
if (missed.length > 0) process.exitCode = 1;
