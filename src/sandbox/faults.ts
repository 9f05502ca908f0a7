// Injected failures, drawn before a request reaches its handler so a faulted change applies
// nothing: 500/503 JSON errors, a 502 HTML gateway page, a hung socket, or (reads only) a
// 200 whose JSON body is cut short; or (writes only, `lost`) a change applied whose answer is
// replaced by the 502 page (docs/intercom-api.md#error-envelope: "Some 5xx or gateway errors return
// HTML").
import type { Prng } from './prng.js';
import type { RuntimeSettings } from './options.js';

export type FaultKind = '500' | '502' | '503' | 'timeout' | 'truncated' | 'lost';

export class FaultInjector {
  constructor(
    private readonly settings: () => Pick<RuntimeSettings, 'faultRate' | 'faultKinds' | 'latencyMs'>,
    private readonly rng: Prng,
  ) {}

  /** The fault for this request, if any; truncation only on reads, a lost answer only on writes. */
  draw(isRead: boolean): FaultKind | null {
    const { faultRate, faultKinds } = this.settings();
    if (faultRate <= 0 || !this.rng.chance(faultRate)) return null;
    const kinds = faultKinds.filter((k) => (isRead ? k !== 'lost' : k !== 'truncated'));
    return kinds.length === 0 ? null : this.rng.pick(kinds);
  }

  /** Latency with jitter: 50–150 % of the configured mean. */
  latencyMs(): number {
    const mean = this.settings().latencyMs;
    return mean <= 0 ? 0 : mean * (0.5 + this.rng.float());
  }
}

export const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

/** Cuts a JSON body roughly in half, so it no longer parses. */
export function truncateBody(payload: string): string {
  return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
}
