// The sandbox's notion of now, shiftable at run time (`clockOffsetSeconds`) so tests can make time
// pass (days for the day-granular search, the scroll's idle expiry, rate windows) without waiting.
export interface Clock {
  /** Milliseconds since the epoch, offset applied. */
  nowMs(): number;
  /** Whole UNIX seconds, as Intercom timestamps are. */
  now(): number;
}

/**
 * `baseMs` is the time the offset is added to: the wall clock, or a test's manual clock when the
 * sandbox runs in-process (`startSandbox(options, { now })`).
 */
export function createClock(offsetSeconds: () => number, baseMs: () => number = Date.now): Clock {
  const nowMs = (): number => baseMs() + offsetSeconds() * 1000;
  return { nowMs, now: () => Math.floor(nowMs() / 1000) };
}
