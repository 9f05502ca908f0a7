// The wall clock plus an offset the test moves: for code that must keep running on real timers (a
// daemon) while the test makes an hour pass for what it reads as "now".
import { systemClock, type Clock } from '../../src/clock/clock.js';

export class ShiftedClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** Makes `ms` pass at once for every later now(). */
  shift(ms: number): void {
    this.offsetMs += ms;
  }
}
