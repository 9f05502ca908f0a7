// Scrapes a daemon's /metrics and reads the text exposition format into families and series, so
// tests look figures up by name and labels instead of matching lines. Validity of the text itself is
// promtool's job (`promtool check metrics`, test/support/promtool.ts); this only reads it. (The npm
// parser parse-prometheus-text-format merges the series of a labelled histogram into one, so it
// cannot be used here.)

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Gauges and counters. */
  readonly value?: number;
  /** Histograms. */
  readonly count?: number;
  readonly sum?: number;
}

export interface Family {
  readonly name: string;
  readonly type: string;
  readonly series: readonly Series[];
}

export interface Scrape {
  readonly text: string;
  readonly families: ReadonlyMap<string, Family>;
  /** The series of `name` whose labels include `labels`; undefined when there is none. */
  sample(name: string, labels?: Record<string, string>): Series | undefined;
  /** A gauge's or counter's value (undefined when the series is missing). */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** A histogram series' observation count (0 when the series is missing). */
  count(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Families by name from exposition text (histogram `_bucket`/`_sum`/`_count` lines folded into their family). */
export function readExposition(text: string): Map<string, Family> {
  const types = new Map<string, string>();
  const series = new Map<string, Map<string, { labels: Record<string, string>; [k: string]: unknown }>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      series.set(type[1]!, new Map());
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match || line.startsWith('#')) continue;
    const [, name, rawLabels = '', raw] = match;
    const labels = Object.fromEntries([...rawLabels.matchAll(LABEL)].map((m) => [m[1]!, m[2]!]));
    let family = name!;
    let field = 'value';
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = name!.slice(0, -suffix.length);
      if (name!.endsWith(suffix) && types.get(base) === 'histogram')
        [family, field] = [base, suffix.slice(1)];
    }
    if (field === 'bucket') continue;
    const key = JSON.stringify(Object.entries(labels).sort());
    const bySeries = series.get(family) ?? new Map();
    series.set(family, bySeries);
    const entry = bySeries.get(key) ?? { labels };
    entry[field] = Number(raw);
    bySeries.set(key, entry);
  }
  return new Map(
    [...series].map(([name, bySeries]) => [
      name,
      { name, type: types.get(name) ?? 'untyped', series: [...bySeries.values()] as Series[] },
    ]),
  );
}

/**
 * @example const m = await scrape(daemon.url); m.value('intercom_sync_conflicts_open');
 */
export async function scrape(baseUrl: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const families = readExposition(text);
  const sample = (name: string, labels: Record<string, string> = {}) =>
    families.get(name)?.series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    text,
    families,
    sample,
    value: (name, labels) => sample(name, labels)?.value,
    count: (name, labels) => sample(name, labels)?.count ?? 0,
  };
}
