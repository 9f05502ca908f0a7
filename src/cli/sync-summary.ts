// Prints a sync run's summary: a table for people, or one JSON document with --json.
import type { StreamResult } from '../sync/stream.js';

const number = new Intl.NumberFormat('en-US');

export function printStreams(streams: readonly StreamResult[], out: (line: string) => void = console.log): void {
  const header = ['stream', 'status', 'fetched', 'inserted', 'updated', 'unchanged', 'deleted', 'api calls', '429s', 'seconds'];
  const rows = streams.map((s) => [
    s.stream,
    s.status,
    ...[s.fetched, s.inserted, s.updated, s.unchanged, s.deleted, s.apiCalls, s.rateLimited].map((n) => number.format(n)),
    (s.durationMs / 1000).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out(format(header));
  for (const row of rows) out(format(row));
  for (const s of streams) if (s.error) out(`${s.stream} failed: ${s.error}`);
}
