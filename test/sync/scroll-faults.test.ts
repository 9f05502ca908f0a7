// Scroll faults cost at most one restart: a continuation that failed without answering a page is
// asked again with the same scroll_param, and a restart after a lost page asks again the moment
// the scroll it left open has expired, not a polling step later.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { IntercomClient } from '../../src/intercom/client.js';
import type { Company } from '../../src/intercom/types.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  readAllCompanies,
  SCROLL_EXPIRY_MS,
  type CompaniesReadStats,
} from '../../src/sync/companies-reader.js';
import type { SyncContext } from '../../src/sync/context.js';
import { CallMeter } from '../../src/sync/call-meter.js';
import {
  company,
  errorBody,
  startFakeIntercom,
  type FakeIntercom,
  type Reply,
} from '../intercom/fake-intercom.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestRedis, uniqueName } from '../support/services.js';

let redis: Redis;
let server: FakeIntercom | undefined;
let client: IntercomClient | undefined;
beforeAll(() => {
  redis = createTestRedis();
});
afterAll(() => redis.quit());
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = server = undefined;
});

const page = (ids: string[], param: string): Reply => ({
  body: { type: 'list', data: ids.map(company), pages: null, total_count: null, scroll_param: param },
});
const end = (param: string): Reply => page([], param);

/** A reader on `clock` against a server that gives the i-th answer to the i-th request. */
async function reader(replies: Reply[], clock: ManualClock) {
  server = await startFakeIntercom((_request, index) => replies[Math.min(index, replies.length - 1)]!, clock);
  client = new IntercomClient({ token: 'tok', baseUrl: server.url, maxRetries: 0, clock });
  const ctx = {
    intercom: client,
    redis,
    log: createLogger({ level: 'silent' }),
    clock,
    meter: new CallMeter(),
    settings: {
      workspace: uniqueName('ws'),
      redisPrefix: uniqueName('scroll'),
      scrollLockWaitMs: 10 * 60_000,
      scrollExistsRetryMs: 15_000,
      maxScrollRestarts: 5,
    },
  } as unknown as SyncContext;
  const stats: CompaniesReadStats = { restarts: 0, scrollExistsWaits: 0 };
  const ids: string[] = [];
  const done = (async () => {
    for await (const companies of readAllCompanies(ctx, stats))
      ids.push(...companies.map((c: Company) => c.id));
  })();
  return { stats, ids, done, params: () => server!.requests.map((r) => r.query.get('scroll_param')) };
}

/** Lets the reader's one sleep end, and returns how long it was. */
async function wake(clock: ManualClock): Promise<number> {
  await clock.untilSleeping(1);
  const waitMs = clock.nextWakeAt()! - clock.now();
  await clock.advance(waitMs);
  return waitMs;
}

describe('companies scroll faults', () => {
  it('a continuation answered 503 is asked again with the same scroll_param: no restart, nothing re-read', async () => {
    const clock = new ManualClock();
    const read = await reader(
      [
        page(['a', 'b'], 'P1'),
        { status: 503, body: errorBody('service_unavailable', 'Service Unavailable') },
        page(['c', 'd'], 'P2'),
        end('P2'),
      ],
      clock,
    );
    expect(await wake(clock)).toBe(1_000);
    await read.done;
    expect(read.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(read.params()).toEqual([null, 'P1', 'P1', 'P2']);
    expect(read.stats).toMatchObject({ restarts: 0, scrollExistsWaits: 0, continuationRetries: 1 });
  });

  it('a cut-off page costs one restart, which asks again the moment our old scroll has expired', async () => {
    const clock = new ManualClock();
    const exists = { status: 400, body: errorBody('scroll_exists', 'scroll already exists for this app') };
    const read = await reader(
      [
        page(['a', 'b'], 'P1'),
        { body: '{"type":"list","data":[{"type":"com' }, // a 200 cut short: its page is lost
        exists,
        exists,
        exists,
        exists,
        exists,
        page(['a', 'b'], 'Q1'),
        page(['c'], 'Q2'),
        end('Q2'),
      ],
      clock,
    );
    // Five scroll_exists answers, so five waits; then the restart goes through.
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push(await wake(clock));
    await read.done;
    const lostAt = server!.requests[1]!.atMs;
    // Polling in 15 s steps, the last step cut short: asked again one second after the old
    // scroll's minute was up (75 s in steps would have been the next ask).
    expect(waits).toEqual([15_000, 15_000, 15_000, 15_000, 1_000]);
    expect(server!.requests[7]!.atMs - lostAt).toBe(SCROLL_EXPIRY_MS + 1_000);
    expect(new Set(read.ids)).toEqual(new Set(['a', 'b', 'c']));
    expect(read.params()).toEqual([null, 'P1', null, null, null, null, null, null, 'Q1', 'Q2']);
    expect(read.stats).toMatchObject({ restarts: 1, scrollExistsWaits: 5 });
  });

  it('a continuation the server closed (500, then 404 on asking again) restarts at once, without waiting', async () => {
    const clock = new ManualClock();
    const read = await reader(
      [
        page(['a'], 'P1'),
        {
          status: 500,
          body: errorBody(
            'server_error',
            'Request failed due to an internal network error. Please restart the scroll operation.',
          ),
        },
        { status: 404, body: errorBody('not_found', 'scroll parameter not found') },
        page(['a'], 'Q1'),
        page(['b'], 'Q2'),
        end('Q2'),
      ],
      clock,
    );
    expect(await wake(clock)).toBe(1_000); // the one retry's backoff
    await read.done;
    expect(read.params()).toEqual([null, 'P1', 'P1', null, 'Q1', 'Q2']);
    expect(read.stats).toMatchObject({ restarts: 1, scrollExistsWaits: 0 });
    expect(clock.sleeping).toBe(0);
  });
});
