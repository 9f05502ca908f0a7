// Group commit: calls that arrive while earlier ones are being written wait and go together in the
// next write, so under load N deliveries cost the round trips of a few, and a lone one goes at once
// (or, with a linger, after waiting a little for company: for writes no caller is waiting on).

/** How one input of a group ended. */
export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions {
  /** Most inputs written in one group. */
  readonly maxBatch: number;
  /** Groups written at the same time. */
  readonly parallel: number;
  /**
   * Hold a group until its oldest input has waited `ms` (on `clock`) or it is full, so a trickle
   * of inputs makes a few full groups instead of many of one. Costs each input up to `ms`: only
   * for writes nobody answers a request after (the webhook route's hand-off to the workers).
   */
  readonly linger?: { readonly ms: number; readonly clock: LingerClock };
}

/** The part of a Clock (src/clock) a linger needs; this module imports nothing of src. */
export interface LingerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

interface Waiting<I, O> {
  readonly input: I;
  /** When it arrived, on the linger's clock. */
  readonly since: number;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Wraps `write` (which answers one Settled per input, in order) as a function of one input.
 * A `write` that throws fails every input of its group with that error.
 * @example const store = groupCommit((events) => storeAll(events), { maxBatch: 200, parallel: 2 });
 *          const stored = await store(event);
 * @example groupCommit(addJobs, { maxBatch: 100, parallel: 2, linger: { ms: 20, clock: systemClock } });
 */
export function groupCommit<I, O>(
  write: (inputs: readonly I[]) => Promise<readonly Settled<O>[]>,
  options: GroupCommitOptions,
): (input: I) => Promise<O> {
  const { maxBatch, parallel, linger } = options;
  const waiting: Waiting<I, O>[] = [];
  let running = 0;
  let lingering = false;

  const runGroup = async (group: readonly Waiting<I, O>[]) => {
    try {
      const results = await write(group.map((w) => w.input));
      group.forEach((w, i) => {
        const result = results[i];
        if (result === undefined) w.reject(new Error('the group write gave no answer for this input'));
        else if (result.ok) w.resolve(result.value);
        else w.reject(result.error);
      });
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  };

  /** How long the next group is still held (0: it goes now). */
  const heldFor = () =>
    linger && waiting.length < maxBatch ? Math.max(0, waiting[0]!.since + linger.ms - linger.clock.now()) : 0;

  const pump = () => {
    while (running < parallel && waiting.length > 0) {
      const held = heldFor();
      if (held > 0) {
        // One timer for the oldest input; later ones are due no sooner.
        if (!lingering) {
          lingering = true;
          void linger!.clock.sleep(held).then(() => {
            lingering = false;
            pump();
          });
        }
        return;
      }
      running += 1;
      void runGroup(waiting.splice(0, maxBatch)).finally(() => {
        running -= 1;
        pump();
      });
    }
  };

  return (input: I) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, since: linger?.clock.now() ?? 0, resolve, reject });
      pump();
    });
}

/**
 * Runs `fn` on each input alone, as a group write's fallback, so each failure stays its own.
 * @example catch { return eachAlone(events, (e) => storeOne(db, e)); }
 */
export async function eachAlone<I, O>(
  inputs: readonly I[],
  fn: (input: I) => Promise<O>,
): Promise<Settled<O>[]> {
  return Promise.all(
    inputs.map((input) =>
      fn(input).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    ),
  );
}
