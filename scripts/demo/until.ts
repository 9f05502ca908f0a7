// Waiting on state, never on time: polls a probe until it holds, and fails with what it waited for.

/** Thrown when the demo cannot go on: the message is the one sentence it ends with. */
export class DemoError extends Error {
  override name = 'DemoError';
}

/**
 * Polls `probe` every `everyMs` until it returns something other than undefined/false/null, and
 * returns that. Fails after `timeoutMs` naming `what` and the probe's last complaint: a deadline is
 * a bound on a broken run, not a pause the demo relies on.
 * @example const row = await until('the webhook to reach Postgres', () => nameIs(id, 'Ada'));
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null>,
  { timeoutMs = 60_000, everyMs = 20 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new DemoError(`gave up after ${timeoutMs / 1000} s waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
