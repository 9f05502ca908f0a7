// What a caller of the client notices about transport: headers, retries, 429 waits and error messages.
import { afterEach, describe, expect, it } from 'vitest';
import { IntercomClient, type IntercomClientOptions } from '../../src/intercom/client.js';
import { IntercomApiError } from '../../src/intercom/errors.js';
import type { ResponseEvent } from '../../src/intercom/http.js';
import { ManualClock } from '../support/manual-clock.js';
import {
  contact,
  errorBody,
  inOrder,
  startFakeIntercom,
  type FakeIntercom,
  type RecordedRequest,
  type Reply,
} from './fake-intercom.js';

const TOKEN = 'secret-token-abc';
let server: FakeIntercom | undefined;
let client: IntercomClient | undefined;
/** The client's and the server's clock: every 429 wait and backoff moves it at once, by exactly the wait. */
let clock: ManualClock;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = server = undefined;
});

async function serve(
  handler: (request: RecordedRequest, index: number) => Reply,
  options: Partial<IntercomClientOptions> = {},
): Promise<IntercomClient> {
  clock = new ManualClock({ auto: true });
  server = await startFakeIntercom(handler, clock);
  client = new IntercomClient({
    token: TOKEN,
    baseUrl: server.url,
    maxRetries: 2,
    clock,
    random: () => 0.5,
    ...options,
  });
  return client;
}

async function failure(promise: Promise<unknown>): Promise<IntercomApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntercomApiError);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as IntercomApiError;
}

describe('requests', () => {
  it('carry the bearer token, pinned version 2.2 and JSON headers', async () => {
    const intercom = await serve(() => ({ body: contact('c1') }));
    await intercom.contacts.update('c1', { role: 'user', name: 'Ada' });
    const { headers, method, path, body } = server!.requests[0]!;
    expect({ method, path, body }).toEqual({
      method: 'PUT',
      path: '/contacts/c1',
      body: { role: 'user', name: 'Ada' },
    });
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['intercom-version']).toBe('2.2');
    expect(headers.accept).toBe('application/json');
    expect(headers['content-type']).toBe('application/json');
  });

  it('report route, status, duration and rate-limit headers to the hook', async () => {
    const events: ResponseEvent[] = [];
    const intercom = await serve(
      () => ({
        body: contact('c1'),
        headers: {
          'x-ratelimit-limit': '166',
          'x-ratelimit-remaining': '165',
          'x-ratelimit-reset': '1700000010',
        },
      }),
      {
        onResponse: (event) => events.push(event),
      },
    );
    await intercom.contacts.get('c1');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      method: 'GET',
      route: '/contacts/{id}',
      status: 200,
      lane: 'inbound',
      rateLimit: { limit: 166, remaining: 165, resetAtMs: 1_700_000_010_000 },
    });
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('429 rate limited', () => {
  it('waits until X-RateLimit-Reset and does not spend a retry on it', async () => {
    const limited = (): Reply => {
      const resetSeconds = Math.floor(clock.now() / 1000) + 1;
      return {
        status: 429,
        body: errorBody('rate_limit_exceeded', 'Exceeded rate limit of 83 in 10_seconds'),
        headers: {
          'x-ratelimit-limit': '83',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(resetSeconds),
        },
      };
    };
    const resets: number[] = [];
    const intercom = await serve(
      (_request, index) => {
        if (index >= 2) return { body: contact('c1') };
        const reply = limited();
        resets.push(Number(reply.headers!['x-ratelimit-reset']) * 1000);
        return reply;
      },
      { maxRetries: 1 },
    );
    const found = await intercom.contacts.get('c1');
    expect(found.id).toBe('c1');
    const [, second, third] = server!.requests;
    // each retry went out once the window the 429 named had reset, plus the wake-up jitter (0.5 × 250 ms)
    expect(second!.atMs).toBe(resets[0]! + 125);
    expect(third!.atMs).toBe(resets[1]! + 125);
  });

  it('gives up with rate_limit_exceeded once the wait would pass maxRateLimitWaitMs', async () => {
    const intercom = await serve(
      () => ({
        status: 429,
        body: errorBody('rate_limit_exceeded', 'Exceeded rate limit'),
        headers: { 'x-ratelimit-reset': String(Math.floor(clock.now() / 1000) + 30) },
      }),
      {
        maxRateLimitWaitMs: 1000,
      },
    );
    const error = await failure(intercom.contacts.get('c1'));
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryable: true });
    expect(server!.requests).toHaveLength(1);
  });

  it('waits one Intercom window after a 429 without a Reset header', async () => {
    const intercom = await serve(
      inOrder(
        { status: 429, body: errorBody('rate_limit_exceeded', 'Exceeded rate limit') },
        { body: contact('c1') },
      ),
      { maxRetries: 0 },
    );
    expect((await intercom.contacts.get('c1')).id).toBe('c1');
    const [first, second] = server!.requests;
    expect(second!.atMs - first!.atMs).toBe(10_000 + 125);
  });
});

describe('retries', () => {
  it('retries a 5xx and then succeeds', async () => {
    const intercom = await serve(
      inOrder(
        { status: 500, body: errorBody('server_error', 'boom') },
        { status: 503, body: '' },
        { body: contact('c1') },
      ),
    );
    expect((await intercom.contacts.get('c1')).id).toBe('c1');
    expect(server!.requests).toHaveLength(3);
  });

  it('sends a contact create once: a 5xx may have created it, and a blind retry would create a second lead', async () => {
    const intercom = await serve(
      inOrder({ status: 502, body: '<html>502 Bad Gateway</html>' }, { body: contact('c2') }),
    );
    const error = await failure(intercom.contacts.create({ role: 'lead', email: 'once@example.com' }));
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(server!.requests).toHaveLength(1);
  });

  it('sends a note create once: a lost answer may follow a stored note, and a retry would add a second', async () => {
    const intercom = await serve(
      inOrder(
        { status: 503, body: '<html>503</html>' },
        { body: { type: 'note', id: 'n2', body: '<p>x</p>' } },
      ),
    );
    const error = await failure(
      intercom.contacts.createNote('c1', { body: '<p>x</p>', admin_id: '1' } as never),
    );
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(server!.requests).toHaveLength(1);
  });

  it('backs off before each retry: the first delay, doubled each time, randomised ×1–2 and capped', async () => {
    const intercom = await serve(
      inOrder(
        { status: 500, body: errorBody('server_error', 'boom') },
        { status: 502, body: '' },
        { status: 503, body: '' },
        { body: contact('c1') },
      ),
      { maxRetries: 3, retryMinDelayMs: 400, retryMaxDelayMs: 1_000 },
    );
    expect((await intercom.contacts.get('c1')).id).toBe('c1');
    const at = server!.requests.map((r) => r.atMs);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // ×1.5 with random 0.5: 600, 1200 → capped at 1000, 2400 → 1000
    expect(gaps).toEqual([600, 1_000, 1_000]);
  });

  it('fails with the last error once retries run out', async () => {
    const intercom = await serve(
      () => ({ status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }),
      { maxRetries: 2 },
    );
    const error = await failure(intercom.contacts.get('c1'));
    expect(error).toMatchObject({ status: 502, code: 'bad_gateway', retryable: true });
    expect(error.message).toBe(
      'Intercom answered 502 bad_gateway to GET /contacts/{id}: a body that is not JSON ("502 Bad Gateway")',
    );
    expect(server!.requests).toHaveLength(3);
  });

  it('does not retry a 4xx', async () => {
    const intercom = await serve(() => ({ status: 404, body: errorBody('not_found', 'User Not Found') }));
    const error = await failure(intercom.contacts.get('gone'));
    expect(error).toMatchObject({ status: 404, code: 'not_found', retryable: false, requestId: 'req-123' });
    expect(server!.requests).toHaveLength(1);
  });

  it('retries a dropped connection, then says it could not reach Intercom', async () => {
    const intercom = await serve(() => ({ hangUp: true }), { maxRetries: 1 });
    const error = await failure(intercom.contacts.get('c1'));
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(new RegExp(`^could not reach Intercom at ${server!.url}: `));
    expect(server!.requests).toHaveLength(2);
  });

  it('times out a request that never answers and retries it', async () => {
    const intercom = await serve(inOrder({ delayMs: 2000, body: contact('slow') }, { body: contact('c1') }), {
      timeoutMs: 200,
    });
    expect((await intercom.contacts.get('c1')).id).toBe('c1');
    expect(server!.requests).toHaveLength(2);
  });
});

describe('errors a user can act on', () => {
  it('names the token setting on a 401', async () => {
    const intercom = await serve(() => ({
      status: 401,
      body: errorBody('unauthorized', 'Access Token Invalid'),
    }));
    const error = await failure(intercom.contacts.get('c1'));
    expect(error.message).toBe(
      'Intercom rejected the access token (401 unauthorized): check INTERCOM_TOKEN.',
    );
    expect(error.retryable).toBe(false);
  });

  it('names the host when nothing listens there', async () => {
    client = new IntercomClient({ token: TOKEN, baseUrl: 'http://127.0.0.1:1', maxRetries: 0 });
    const error = await failure(client.contacts.get('c1'));
    expect(error.message).toBe('could not reach Intercom at http://127.0.0.1:1: connection refused');
  });

  it.each([
    [409, 'A contact matching those details already exists with id=5da6f18e3d7cf967e4582d05', false],
    [400, 'A contact matching those details already exists with id=5da6f18e3d7cf967e4582d05', false],
    [409, 'An archived contact matching those details already exists with id=5da6f18e3d7cf967e4582d05', true],
    [400, 'An archived contact matching those details already exists with id=5da6f18e3d7cf967e4582d05', true],
  ])('reads the existing contact from a %i conflict: %s', async (status, message, archived) => {
    const intercom = await serve(() => ({ status, body: errorBody('conflict', message) }));
    const error = await failure(intercom.contacts.create({ role: 'user', email: 'a@b.c' }));
    expect(error).toMatchObject({
      status,
      code: 'conflict',
      conflictId: '5da6f18e3d7cf967e4582d05',
      conflictArchived: archived,
      retryable: false,
    });
    expect(server!.requests).toHaveLength(1);
  });

  it('leaves conflictId unset on other 4xx errors', async () => {
    const intercom = await serve(() => ({
      status: 400,
      body: errorBody('parameter_invalid', 'The owner specified is not a member of the workspace'),
    }));
    const error = await failure(intercom.contacts.create({ role: 'user', email: 'a@b.c' }));
    expect(error.conflictId).toBeUndefined();
    expect(error.message).toBe(
      'Intercom answered 400 parameter_invalid to POST /contacts: The owner specified is not a member of the workspace',
    );
  });

  it('reports a truncated JSON success body as invalid_response after retrying it', async () => {
    const intercom = await serve(() => ({ body: '{"type":"contact","id":"c1","ema' }), { maxRetries: 1 });
    const error = await failure(intercom.contacts.get('c1'));
    expect(error).toMatchObject({ status: 200, code: 'invalid_response' });
    expect(error.message).toContain('a body that is not JSON ("{"type":"contact","id":"c1","ema")');
    expect(server!.requests).toHaveLength(2);
  });

  it('describes an empty error body and a truncated JSON error body', async () => {
    const intercom = await serve(
      inOrder({ status: 403, body: '' }, { status: 422, body: '{"type":"error.list","errors":[{"co' }),
      { maxRetries: 0 },
    );
    const empty = await failure(intercom.contacts.get('c1'));
    expect(empty).toMatchObject({ status: 403, code: 'forbidden', bodyUnreadable: true });
    expect(empty.message).toBe('Intercom answered 403 forbidden to GET /contacts/{id}: an empty body');
    const truncated = await failure(intercom.contacts.get('c1'));
    expect(truncated).toMatchObject({
      status: 422,
      code: 'unprocessable_entity',
      retryable: false,
      bodyUnreadable: true,
    });
  });
});
