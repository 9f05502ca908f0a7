// Sends one Intercom request: auth and version headers, the shared budget, timeouts, retries and 429 waits.
import pRetry, { AbortError } from 'p-retry';
import { Agent, request, type Dispatcher } from 'undici';
import { SETTING_DEFAULTS } from '../config/config.js';
import { systemClock, type Clock } from '../clock/clock.js';
import {
  errorFromResponse,
  IntercomApiError,
  invalidResponseError,
  transportError,
  type ErrorContext,
} from './errors.js';
import type { RequestBudget } from './rate-budget.js';
import { parseRateLimitHeaders, type RateLimitHeaders } from './rate-limit-headers.js';
import type { RequestSpec } from './request-spec.js';
import type { Lane } from './types.js';

/** One finished exchange with the API, for metrics and logs (never carries the token or bodies). */
export interface ResponseEvent {
  readonly method: string;
  /** The route template, e.g. `/contacts/{id}`, so metrics do not explode per id. */
  readonly route: string;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly durationMs: number;
  readonly lane: Lane;
  readonly rateLimit?: RateLimitHeaders | undefined;
  /** Set when no response arrived: `network_error` or `timeout`. */
  readonly errorCode?: string | undefined;
}

export interface IntercomHttpOptions {
  /** Access token, sent as `Authorization: Bearer …`; never written to messages or events. */
  readonly token: string;
  /** API host: https://api.intercom.io, https://api.eu.intercom.io, https://api.au.intercom.io. Default INTERCOM_BASE_URL's. */
  readonly baseUrl?: string;
  /** Per-request timeout covering connect, headers and body. Default HTTP_TIMEOUT_MS's (config). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt for 5xx, network errors and timeouts (429s do not count). Default HTTP_MAX_RETRIES's. */
  readonly maxRetries?: number;
  /** First backoff delay; doubles per retry, randomised ×1–2. Default 500 ms. */
  readonly retryMinDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** Total time one call may spend waiting out 429s before failing with `rate_limit_exceeded`. Default 120 000 ms. */
  readonly maxRateLimitWaitMs?: number;
  /** Wait after a 429 without an X-RateLimit-Reset header. Default 10 000 ms (one Intercom window). */
  readonly rateLimitFallbackWaitMs?: number;
  /** The shared budget every request draws from; without one, only 429s slow us down. */
  readonly budget?: RequestBudget;
  readonly onResponse?: (event: ResponseEvent) => void;
  /** An undici dispatcher to use instead of the client's own keep-alive pool. */
  readonly dispatcher?: Dispatcher;
  /** Sockets kept open to the API host by the client's own pool. Default 64. */
  readonly connections?: number;
  /** What 429 waits and retry backoff are measured and waited on. Default the wall clock. */
  readonly clock?: Clock;
  /** Random numbers in [0, 1) for backoff and wake-up jitter. Default Math.random. */
  readonly random?: () => number;
}

interface Exchange {
  readonly status: number;
  readonly text: string;
  readonly requestId: string | undefined;
  readonly rateLimit: RateLimitHeaders | undefined;
}

/**
 * The transport under `IntercomClient`. Use it directly only for endpoints the client lacks.
 * @example
 * const http = new IntercomHttp({ token, baseUrl: 'https://api.eu.intercom.io', budget });
 * const me = await http.request<{ id: string }>({ method: 'GET', route: '/me', path: '/me' });
 */
export class IntercomHttp {
  readonly baseUrl: string;
  private readonly options: IntercomHttpOptions;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly jsonHeaders: Readonly<Record<string, string>>;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(options: IntercomHttpOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.baseUrl = (options.baseUrl ?? SETTING_DEFAULTS.INTERCOM_BASE_URL).replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ?? new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 30_000 });
    // Pin the version: without the header the app's default applies, and that can change
    // (docs/intercom-api.md#versioning).
    this.headers = {
      authorization: `Bearer ${options.token}`,
      'intercom-version': '2.2',
      accept: 'application/json',
    };
    this.jsonHeaders = { ...this.headers, 'content-type': 'application/json' };
  }

  /** Sends the request with retries and budget; resolves with the parsed JSON body or rejects with `IntercomApiError`. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const lane =
      spec.lane ?? (spec.method === 'GET' || spec.route.endsWith('/search') ? 'inbound' : 'outbound');
    const context: ErrorContext = { method: spec.method, route: spec.route, baseUrl: this.baseUrl };
    let rateLimitWaitedMs = 0;
    const attempt = async (): Promise<T> => {
      // 429s loop here, inside one p-retry attempt, so waiting for the window never burns a retry
      // (docs/design.md#principle-5).
      for (;;) {
        await this.options.budget?.take(lane, spec.signal);
        const exchange = await this.exchange(spec, lane, context);
        // The request has happened: a Redis hiccup while recording its headers must not report it as failed
        // (a retried create would duplicate the contact). The next take() surfaces a real outage.
        if (exchange.rateLimit) await this.options.budget?.observe(exchange.rateLimit).catch(() => undefined);
        if (exchange.status >= 200 && exchange.status < 300) return parseBody<T>(exchange, context);
        const error = errorFromResponse(exchange.status, exchange.text, exchange.requestId, context);
        if (exchange.status === 429) {
          const waitMs = this.rateLimitWait(exchange.rateLimit);
          if (rateLimitWaitedMs + waitMs > (this.options.maxRateLimitWaitMs ?? 120_000))
            throw new AbortError(error);
          rateLimitWaitedMs += waitMs;
          await this.clock.sleep(waitMs, spec.signal);
          continue;
        }
        throw error.retryable ? error : new AbortError(error);
      }
    };
    return pRetry(attempt, {
      retries: spec.retries ?? this.options.maxRetries ?? SETTING_DEFAULTS.HTTP_MAX_RETRIES,
      // p-retry counts and stops; the backoff itself is waited on our clock, in shouldRetry (called
      // only when a retry follows), so a test's clock can move it.
      minTimeout: 0,
      // Only our own retryable errors: a Redis outage under the budget must surface at once, not be retried here.
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (!(error instanceof IntercomApiError && error.retryable)) return false;
        await this.clock.sleep(this.backoffMs(retriesConsumed), spec.signal);
        return true;
      },
      ...(spec.signal && { signal: spec.signal }),
    });
  }

  /** Before retry n (from 0): the first delay doubled n times, randomised ×1–2, capped. */
  private backoffMs(retriesConsumed: number): number {
    const first = this.options.retryMinDelayMs ?? 500;
    const cap = this.options.retryMaxDelayMs ?? 30_000;
    return Math.min(cap, Math.round(first * 2 ** retriesConsumed * (1 + this.random())));
  }

  /** Closes the client's own keep-alive pool (a dispatcher passed in is left to its owner). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private rateLimitWait(rateLimit: RateLimitHeaders | undefined): number {
    const jitter = this.random() * 250;
    if (rateLimit?.resetAtMs === undefined) return (this.options.rateLimitFallbackWaitMs ?? 10_000) + jitter;
    return Math.max(0, rateLimit.resetAtMs - this.clock.now()) + jitter;
  }

  private async exchange(spec: RequestSpec, lane: Lane, context: ErrorContext): Promise<Exchange> {
    const timeoutMs = this.options.timeoutMs ?? SETTING_DEFAULTS.HTTP_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = spec.signal ? AbortSignal.any([timeout, spec.signal]) : timeout;
    const started = performance.now();
    const report = (status: number, rateLimit?: RateLimitHeaders, errorCode?: string) => {
      const event = {
        method: spec.method,
        route: spec.route,
        status,
        durationMs: performance.now() - started,
        lane,
        rateLimit,
        errorCode,
      };
      try {
        this.options.onResponse?.(event);
      } catch {
        // A failing metrics hook must not fail the API call it observes.
      }
    };
    try {
      const response = await request(this.url(spec), {
        method: spec.method,
        dispatcher: this.dispatcher,
        signal,
        headers: spec.body === undefined ? this.headers : this.jsonHeaders,
        ...(spec.body !== undefined && { body: JSON.stringify(spec.body) }),
      });
      const text = await response.body.text();
      const rateLimit = parseRateLimitHeaders(response.headers);
      const requestId = response.headers['x-request-id'];
      report(response.statusCode, rateLimit);
      return {
        status: response.statusCode,
        text,
        rateLimit,
        requestId: typeof requestId === 'string' ? requestId : undefined,
      };
    } catch (cause) {
      if (spec.signal?.aborted)
        throw new AbortError(spec.signal.reason instanceof Error ? spec.signal.reason : 'request cancelled');
      const error = transportError(cause, timeout.aborted, timeoutMs, context);
      report(0, undefined, error.code);
      throw error;
    }
  }

  private url(spec: RequestSpec): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(spec.query ?? {}))
      if (value !== undefined) params.set(name, String(value));
    const query = params.toString();
    return `${this.baseUrl}${spec.path}${query ? `?${query}` : ''}`;
  }
}

function parseBody<T>(exchange: Exchange, context: ErrorContext): T {
  try {
    return JSON.parse(exchange.text) as T;
  } catch {
    throw invalidResponseError(exchange.status, exchange.text, context);
  }
}
