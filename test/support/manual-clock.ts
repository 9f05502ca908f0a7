// A clock the test moves: time stands still until advanced, and sleepers wake in deadline order,
// so time-dependent code (rate windows, backoff, lease waits) runs without waiting on the wall clock.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../../src/clock/clock.js';

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
}

export interface ManualClockOptions {
  /** Where time starts (ms since the epoch). Default 2024-06-01T00:00:00Z, a whole 10-s window. */
  readonly startMs?: number;
  /**
   * Every sleep moves the clock to its own end at once. Only for code that waits one thing at a
   * time (one request's 429 waits and retries): concurrent sleepers would each add their wait.
   */
  readonly auto?: boolean;
}

export class ManualClock implements Clock {
  private current: number;
  private readonly auto: boolean;
  private sleepers: Sleeper[] = [];

  constructor(options: ManualClockOptions = {}) {
    this.current = options.startMs ?? Date.UTC(2024, 5, 1);
    this.auto = options.auto ?? false;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.auto) {
      this.current += Math.max(0, ms);
      return nextTurn();
    }
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        resolve,
        reject,
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** How many callers are waiting on this clock. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** When the next sleeper wakes, or undefined when nobody sleeps. */
  nextWakeAt(): number | undefined {
    return this.sleepers.length === 0 ? undefined : Math.min(...this.sleepers.map((s) => s.at));
  }

  /** Moves time forward by `ms`, waking each sleeper whose time has come, earliest first. */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `atMs` (never back), waking sleepers on the way in deadline order. */
  async advanceTo(atMs: number): Promise<void> {
    for (;;) {
      const due = this.sleepers.filter((s) => s.at <= atMs).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.current = Math.max(this.current, due.at);
      due.resolve();
      await nextTurn(); // let the woken code run before the next one wakes
    }
    this.current = Math.max(this.current, atMs);
  }

  /** Resolves once at least `count` callers sleep; fails after `timeoutMs` of real time saying how many did. */
  async untilSleeping(count = 1, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sleepers.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} sleeper(s) on the manual clock, found ${this.sleepers.length}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}
