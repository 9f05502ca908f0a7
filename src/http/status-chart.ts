// The /status page's small chart: each stream's lag over the last day as an inline SVG (no
// scripts). The lag at a moment is the time since the stream's last success before it, so it
// rises steadily and drops to zero at each success: a sawtooth when healthy, a ramp when not.
import escapeHtml from 'escape-html';
import type { StreamFreshness } from './status-report.js';

const WIDTH = 720;
const HEIGHT = 160;
const PAD = { left: 48, right: 8, top: 8, bottom: 20 };
const COLOURS = ['#1565c0', '#c62828', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#4e342e'];

export interface LagPoint {
  readonly atMs: number;
  readonly lagSeconds: number;
}

/**
 * The lag curve between `fromMs` and `toMs` for successes sorted oldest first (the first may lie
 * before `fromMs`); it starts at the first success when none lies before the span.
 * @example lagPoints([new Date(0)], 0, 60_000) // [{ atMs: 0, lagSeconds: 0 }, { atMs: 60000, lagSeconds: 60 }]
 */
export function lagPoints(successes: readonly Date[], fromMs: number, toMs: number): LagPoint[] {
  const times = successes.map((d) => d.getTime()).filter((t) => t <= toMs);
  const points: LagPoint[] = [];
  let last: number | undefined = times.filter((t) => t < fromMs).pop();
  if (last !== undefined) points.push({ atMs: fromMs, lagSeconds: (fromMs - last) / 1000 });
  for (const t of times.filter((x) => x >= fromMs)) {
    if (last !== undefined) points.push({ atMs: t, lagSeconds: (t - last) / 1000 });
    points.push({ atMs: t, lagSeconds: 0 });
    last = t;
  }
  if (last !== undefined) points.push({ atMs: toMs, lagSeconds: (toMs - last) / 1000 });
  return points;
}

/** The chart for every stream, with a legend; a sentence instead when nothing has succeeded yet. */
export function lagChart(streams: readonly StreamFreshness[], from: Date, to: Date): string {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const curves = streams
    .map((s) => ({ stream: s.stream, points: lagPoints(s.successes, fromMs, toMs) }))
    .filter((c) => c.points.length > 0);
  if (curves.length === 0) return '<p id="lag-chart">No successful run in the last day to chart.</p>';
  const top = niceCeiling(Math.max(60, ...curves.flatMap((c) => c.points.map((p) => p.lagSeconds))));
  const x = (ms: number) =>
    PAD.left + ((ms - fromMs) / Math.max(1, toMs - fromMs)) * (WIDTH - PAD.left - PAD.right);
  const y = (lag: number) => HEIGHT - PAD.bottom - (lag / top) * (HEIGHT - PAD.top - PAD.bottom);
  const lines = curves
    .map((c, i) => {
      const d = c.points.map((p) => `${x(p.atMs).toFixed(1)},${y(p.lagSeconds).toFixed(1)}`).join(' ');
      return `<polyline data-stream="${escapeHtml(c.stream)}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5" points="${d}"/>`;
    })
    .join('');
  const axis = `<line x1="${PAD.left}" y1="${y(0)}" x2="${WIDTH - PAD.right}" y2="${y(0)}" stroke="#999"/>
<text x="${PAD.left - 4}" y="${y(top) + 10}" text-anchor="end" font-size="10">${escapeHtml(axisLabel(top))}</text>
<text x="${PAD.left - 4}" y="${y(0)}" text-anchor="end" font-size="10">0</text>
<text x="${PAD.left}" y="${HEIGHT - 4}" font-size="10">24 h ago</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - 4}" text-anchor="end" font-size="10">now</text>`;
  const legend = curves
    .map((c, i) => `<span style="color:${COLOURS[i % COLOURS.length]}">■ ${escapeHtml(c.stream)}</span>`)
    .join('');
  return `<figure id="lag-chart"><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="Lag per stream over the last day">${axis}${lines}</svg>
<figcaption class="legend">${legend}</figcaption></figure>`;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten, in seconds. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value)!;
}

function axisLabel(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3_600).toFixed(1)} h`;
}
