// Delivers notifications to the subscriber like Intercom does (docs/intercom-api.md#webhooks): the
// live envelope, signed with X-Hub-Signature (HMAC-SHA1 of the raw body), 5 s to answer, one
// retry after a failure, nothing more after a 410; optionally duplicated and out of order; and
// `ping`, whose notification id is null. The queue is bounded.
import { createHmac, randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { ChangeEvent } from './events.js';
import type { RuntimeSettings } from './options.js';
import { keyedFraction, type Prng } from './prng.js';
import { topicsFor } from './topics.js';
import type { WebhookItems } from './webhook-items.js';

interface Notification {
  /** null for `ping`, as live pings carry it. */
  readonly id: string | null;
  readonly topic: string;
  readonly createdAt: number;
  readonly item: Record<string, unknown>;
  readonly attempt: number;
  firstSentAt: number | null;
}

export interface DeliveryRecord {
  readonly id: string | null;
  readonly topic: string;
  readonly attempt: number;
  readonly status: number | 'timeout' | 'error';
}

export interface WebhookStats {
  queued: number;
  attempts: number;
  delivered: number;
  retried: number;
  failed: number;
  duplicated: number;
  dropped: number;
  disabled: boolean;
  pending: number;
  inFlight: number;
  retriesScheduled: number;
}

export interface WebhookDeps {
  readonly appId: string;
  readonly settings: () => RuntimeSettings;
  readonly clock: Clock;
  readonly rng: Prng;
  /** The workspace's seed: per-event choices (a merge's `merged_from`) are fixed by it. */
  readonly seed: number;
  readonly items: WebhookItems;
  readonly queueLimit: number;
}

/** What a ping delivery says; live pings carry a short free text. */
export const PING_MESSAGE = 'Ping from the Intercom sandbox';

const CONCURRENCY = 4;
const LOG_LIMIT = 500;

/** HMAC-SHA1 of the raw body, keyed with the app's client secret, as `sha1=<hex>`. */
export function signBody(body: string, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

export class WebhookDispatcher {
  private queue: Notification[] = [];
  private inFlight = 0;
  private retryTimers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly counters = {
    queued: 0,
    attempts: 0,
    delivered: 0,
    retried: 0,
    failed: 0,
    duplicated: 0,
    dropped: 0,
  };
  private disabled = false;
  /** Merges notified so far: what a merge's `merged_from` choice is keyed on. */
  private merges = 0;
  /** The most recent delivery attempts, newest last. */
  readonly log: DeliveryRecord[] = [];

  constructor(private readonly deps: WebhookDeps) {}

  /** Turns a change into zero or more notifications and queues them (no-op without a URL). */
  notify(event: ChangeEvent): void {
    const settings = this.deps.settings();
    if (!settings.webhookUrl || this.disabled || this.closed) return;
    const now = this.deps.clock.now();
    const topics = topicsFor(event, settings.webhookTopics, {
      items: this.deps.items,
      now,
      // The nth merge decides the same way on every run with this seed (ids carry the wall clock).
      mergedFrom: () =>
        keyedFraction(this.deps.seed, `merged_from:${this.merges++}`) < settings.webhookMergedFromRate,
    });
    for (const { topic, item } of topics) {
      const n: Notification = {
        id: `notif_${randomUUID()}`,
        topic,
        createdAt: now,
        item,
        attempt: 1,
        firstSentAt: null,
      };
      this.enqueue(n);
      if (this.deps.rng.chance(settings.webhookDuplicateRate)) {
        this.counters.duplicated += 1;
        this.enqueue(n);
      }
    }
    this.pump();
  }

  /** Queues a `ping` (as Intercom sends one when asked to, and now and then); false without a URL. */
  ping(message = PING_MESSAGE): boolean {
    if (!this.deps.settings().webhookUrl || this.disabled || this.closed) return false;
    const now = this.deps.clock.now();
    this.enqueue({
      id: null,
      topic: 'ping',
      createdAt: now,
      item: { type: 'ping', message },
      attempt: 1,
      firstSentAt: null,
    });
    this.pump();
    return true;
  }

  stats(): WebhookStats {
    return {
      ...this.counters,
      disabled: this.disabled,
      pending: this.queue.length,
      inFlight: this.inFlight,
      retriesScheduled: this.retryTimers.size,
    };
  }

  /** Resolves once nothing is queued or in flight (and, with `retries`, no retry is waiting). */
  async drain(options: { retries?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    const busy = () =>
      this.queue.length > 0 || this.inFlight > 0 || (options.retries === true && this.retryTimers.size > 0);
    while (busy()) {
      if (Date.now() > deadline) throw new Error('webhook deliveries did not drain in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.queue = [];
  }

  private enqueue(n: Notification): void {
    if (this.queue.length >= this.deps.queueLimit) {
      this.counters.dropped += 1;
      return;
    }
    this.counters.queued += 1;
    this.queue.push(n);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < CONCURRENCY && this.queue.length > 0) {
      // Out-of-order delivery: take any of the first `window` notifications.
      const window = Math.min(this.queue.length, Math.max(1, this.deps.settings().webhookReorderWindow));
      const [n] = this.queue.splice(window > 1 ? this.deps.rng.int(0, window - 1) : 0, 1);
      this.inFlight += 1;
      void this.deliver(n!).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async deliver(n: Notification): Promise<void> {
    const settings = this.deps.settings();
    if (!settings.webhookUrl || this.disabled) return;
    const now = this.deps.clock.now();
    n.firstSentAt ??= now;
    // The live envelope, key for key: `created_at` and `first_sent_at` stay UNIX seconds.
    const body = JSON.stringify({
      type: 'notification_event',
      app_id: this.deps.appId,
      data: { type: 'notification_event_data', item: n.item },
      links: {},
      id: n.id,
      topic: n.topic,
      delivery_status: n.id === null ? null : 'pending',
      delivery_attempts: n.attempt,
      delivered_at: 0,
      first_sent_at: n.firstSentAt,
      created_at: n.createdAt,
      self: null,
    });
    this.counters.attempts += 1;
    let status: DeliveryRecord['status'];
    try {
      const response = await fetch(settings.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'intercom-parrot-service-client/1.0',
          'x-hub-signature': signBody(body, settings.webhookSecret),
        },
        body,
        signal: AbortSignal.timeout(settings.webhookTimeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      status = response.status;
    } catch (error) {
      status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    }
    this.log.push({ id: n.id, topic: n.topic, attempt: n.attempt, status });
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    if (typeof status === 'number' && status >= 200 && status < 300) {
      this.counters.delivered += 1;
    } else if (status === 410) {
      // 410 disables the subscription: nothing more is sent.
      this.disabled = true;
      this.queue = [];
    } else if (n.attempt === 1 && !this.closed) {
      this.counters.retried += 1;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.enqueue({ ...n, attempt: 2 });
        this.pump();
      }, settings.webhookRetryDelayMs);
      this.retryTimers.add(timer);
    } else {
      this.counters.failed += 1;
    }
  }
}
