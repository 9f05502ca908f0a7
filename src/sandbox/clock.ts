// The sandbox's notion of now, shiftable at run time (`clockOffsetSeconds`) so tests can make
// days pass for the day-granular search without waiting.
export interface Clock {
  /** Milliseconds since the epoch, offset applied. */
  nowMs(): number;
  /** Whole UNIX seconds, as Intercom timestamps are. */
  now(): number;
}

export function createClock(offsetSeconds: () => number): Clock {
  const nowMs = (): number => Date.now() + offsetSeconds() * 1000;
  return { nowMs, now: () => Math.floor(nowMs() / 1000) };
}
