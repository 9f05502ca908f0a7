// A scripted stand-in for the Intercom API on 127.0.0.1: records every request, answers what the test says.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { systemClock, type Clock } from '../../src/clock/clock.js';
import { IntercomClient } from '../../src/intercom/client.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  /** When it arrived, on the server's clock. */
  readonly atMs: number;
}

export interface Reply {
  readonly status?: number;
  /** An object is sent as JSON; a string is sent as is (for HTML and truncated bodies). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
  /** Drop the connection without answering. */
  readonly hangUp?: boolean;
}

export interface FakeIntercom {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The most requests it held at once (received, not yet answered). */
  readonly peakInFlight: number;
  close(): Promise<void>;
}

/**
 * Starts a server whose answer to request number `index` (from 0) is `handler(request, index)`.
 * `clock` stamps arrivals (a test on a manual clock passes the client's).
 */
export async function startFakeIntercom(
  handler: (request: RecordedRequest, index: number) => Reply | Promise<Reply>,
  clock: Pick<Clock, 'now'> = systemClock,
): Promise<FakeIntercom> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
        atMs: clock.now(),
      };
      const index = requests.push(recorded) - 1;
      void Promise.resolve(handler(recorded, index)).then(async (reply) => {
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (reply.hangUp) {
          req.socket.destroy();
          return;
        }
        const raw =
          typeof reply.body === 'string'
            ? reply.body
            : reply.body === undefined
              ? ''
              : JSON.stringify(reply.body);
        const type = typeof reply.body === 'string' ? 'text/html' : 'application/json';
        res.writeHead(reply.status ?? 200, { 'content-type': type, ...reply.headers });
        res.end(raw);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get peakInFlight() {
      return peakInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers the i-th request with the i-th reply (the last one repeats). */
export function inOrder(...replies: Reply[]): (request: RecordedRequest, index: number) => Reply {
  return (_request, index) => replies[Math.min(index, replies.length - 1)]!;
}

/** The error body Intercom sends (docs/intercom-api.md#error-envelope). */
export function errorBody(code: string, message: string): unknown {
  return { type: 'error.list', request_id: 'req-123', errors: [{ code, message }] };
}

export function contact(id: string): Record<string, unknown> {
  return {
    type: 'contact',
    id,
    workspace_id: 'ws1',
    role: 'user',
    email: `${id}@example.com`,
    updated_at: 1_700_000_000,
  };
}

export function company(id: string): Record<string, unknown> {
  return { type: 'company', id, company_id: `c-${id}`, name: `Company ${id}` };
}

/**
 * A fake server and a client on it (no retries) for each test that calls `serve`, both closed
 * after that test. Call it once at the top of a file.
 * @example const fake = fakeIntercomPerTest(); … const client = await fake.serve(handler); fake.server.requests
 */
export function fakeIntercomPerTest(): {
  serve(handler: (request: RecordedRequest, index: number) => Reply): Promise<IntercomClient>;
  readonly server: FakeIntercom;
} {
  let server: FakeIntercom | undefined;
  let client: IntercomClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });
  return {
    async serve(handler) {
      server = await startFakeIntercom(handler);
      client = new IntercomClient({ token: 'tok', baseUrl: server.url, maxRetries: 0 });
      return client;
    },
    get server() {
      if (!server) throw new Error('no fake Intercom yet: call serve() first');
      return server;
    },
  };
}
