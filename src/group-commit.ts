// Group commit: calls that arrive while earlier ones are being written wait and go together in the
// next write, so under load N deliveries cost the round trips of a few, and a lone one goes at once.

/** How one input of a group ended. */
export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions {
  /** Most inputs written in one group. */
  readonly maxBatch: number;
  /** Groups written at the same time. */
  readonly parallel: number;
}

interface Waiting<I, O> {
  readonly input: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Wraps `write` (which answers one Settled per input, in order) as a function of one input.
 * A `write` that throws fails every input of its group with that error.
 * @example const store = groupCommit((events) => storeAll(events), { maxBatch: 200, parallel: 2 });
 *          const stored = await store(event);
 */
export function groupCommit<I, O>(
  write: (inputs: readonly I[]) => Promise<readonly Settled<O>[]>,
  options: GroupCommitOptions,
): (input: I) => Promise<O> {
  const waiting: Waiting<I, O>[] = [];
  let running = 0;

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

  const pump = () => {
    while (running < options.parallel && waiting.length > 0) {
      running += 1;
      void runGroup(waiting.splice(0, options.maxBatch)).finally(() => {
        running -= 1;
        pump();
      });
    }
  };

  return (input: I) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
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
