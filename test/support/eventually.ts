// Waiting for something asynchronous to become true, with a bounded wait and a useful failure.
import { until } from '../../scripts/demo/until.js';

/**
 * Polls `probe` until it returns something truthy, or fails after `timeoutMs` naming `what`: the
 * tests' form of the demo's `until` (same loop, the tests' argument order and default bound).
 * @example await eventually(() => rowNamed('Ada'), 'the webhook to reach Postgres');
 */
export function eventually<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  return until(what, probe, { timeoutMs, everyMs: 50 });
}
