// Live progress of a sync on the terminal: per stream, records done / total, rate and ETA. On a
// TTY one line redrawn in place; otherwise (logs, CI) a plain line every few seconds.
export interface ProgressLine {
  update(stream: string, done: number, total: number | undefined): void;
  stop(): void;
}

interface StreamState {
  done: number;
  total: number | undefined;
  started: number;
}

const number = new Intl.NumberFormat('en-US');

function describe(name: string, s: StreamState, now: number): string {
  const seconds = Math.max((now - s.started) / 1000, 0.001);
  const rate = s.done / seconds;
  let text = `${name} ${number.format(s.done)}`;
  if (s.total !== undefined) text += ` / ${number.format(s.total)}`;
  text += ` (${number.format(Math.round(rate))}/s`;
  if (s.total !== undefined && rate > 0 && s.total > s.done) text += `, ETA ${Math.ceil((s.total - s.done) / rate)}s`;
  return `${text})`;
}

/**
 * @example const progress = progressLine(process.stderr); progress.update('contacts', 150, 1000); progress.stop();
 */
export function progressLine(out: NodeJS.WriteStream, options: { intervalMs?: number } = {}): ProgressLine {
  const streams = new Map<string, StreamState>();
  const tty = Boolean(out.isTTY);
  const render = () => {
    if (streams.size === 0) return;
    const now = Date.now();
    const line = [...streams].map(([name, s]) => describe(name, s, now)).join(' · ');
    if (tty) out.write(`\r\x1b[2K${line}`);
    else out.write(`${line}\n`);
  };
  const timer = setInterval(render, options.intervalMs ?? (tty ? 250 : 5_000));
  timer.unref();
  return {
    update(stream, done, total) {
      const state = streams.get(stream) ?? { done: 0, total: undefined, started: Date.now() };
      state.done = done;
      state.total = total ?? state.total;
      streams.set(stream, state);
    },
    stop() {
      clearInterval(timer);
      render();
      if (tty && streams.size > 0) out.write('\n');
    },
  };
}
