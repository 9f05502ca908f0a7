// POST/HEAD /webhooks/intercom: verify, store once, acknowledge; a worker applies it later.
// Intercom waits at most 5 s and tries a delivery twice (docs/intercom-api.md#webhook-delivery), so this path
// does one insert and one enqueue, nothing else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { storeWebhookEvent } from '../db/webhook-events.js';
import type { Metrics } from '../observability/metrics.js';
import { describeNotificationProblem, notificationSchema } from './notification.js';
import { verifySignature } from './signature.js';

export interface WebhookRouteDeps {
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clientSecret: string;
  /** Hands a stored event to the workers. If it fails the event stays stored and the sweeper retries. */
  readonly enqueue: (eventId: number, notificationId: string) => Promise<void>;
  /**
   * How long the acknowledgement waits for the enqueue (1 s). With Redis down the queue client
   * holds commands until it reconnects; the event is stored, so answer instead of waiting.
   */
  readonly enqueueTimeoutMs?: number;
}

export const WEBHOOK_PATH = '/webhooks/intercom';

export function registerWebhookRoute(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const { db, log, metrics, clientSecret, enqueue } = deps;

  // Intercom checks the URL with a HEAD request when the subscription is saved.
  app.head(WEBHOOK_PATH, async (_request, reply) => reply.code(200).send());

  // Timed from the request's arrival to the answer having been sent, whatever the answer was.
  const timeAck = async (_request: FastifyRequest, reply: FastifyReply) => {
    metrics.webhookAckDuration.observe({ status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  };

  app.post(WEBHOOK_PATH, { onResponse: timeAck }, async (request, reply) => {
    const raw = request.body as Buffer;
    const reject = (status: number, error: string) => {
      metrics.webhooks.inc({ outcome: 'rejected' });
      log.warn({ status, reason: error }, 'webhook rejected');
      return reply.code(status).send({ error });
    };

    const verdict = verifySignature(raw, request.headers['x-hub-signature'], clientSecret);
    if (!verdict.ok) return reject(401, `signature check failed: ${verdict.reason}`);

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return reject(400, `the body is not valid JSON: ${(error as Error).message}`);
    }
    // Live pings carry `"id": null` (docs/intercom-api.md#webhooks): there is nothing to apply and no
    // id to deduplicate by, so acknowledge without storing; a 4xx would count towards a pause.
    if (isNullIdPing(body)) {
      metrics.webhooks.inc({ outcome: 'ignored' });
      return reply.code(200).send({ received: true, ping: true });
    }
    const parsed = notificationSchema.safeParse(body);
    if (!parsed.success)
      return reject(400, `not an Intercom notification: ${describeNotificationProblem(parsed.error)}`);

    const notification = parsed.data;
    const item = notification.data.item;
    const stored = await storeWebhookEvent(db, {
      notificationId: notification.id,
      topic: notification.topic,
      appId: notification.app_id,
      itemType: item.type,
      itemId: item.id === undefined ? undefined : String(item.id),
      notifiedAt: notification.created_at ? new Date(notification.created_at * 1000) : undefined,
      payload: body,
    });
    if (stored.duplicate) {
      metrics.webhooks.inc({ outcome: 'duplicate' });
      return reply.code(200).send({ received: true, duplicate: true });
    }
    metrics.webhooks.inc({ outcome: 'received' });
    try {
      await withTimeout(enqueue(stored.id, notification.id), deps.enqueueTimeoutMs ?? 1_000);
    } catch (error) {
      // Stored is what counts: the sweeper re-enqueues events left in 'received'.
      log.error(
        { err: error, notificationId: notification.id },
        'could not enqueue webhook; the sweeper will retry',
      );
    }
    return reply.code(200).send({ received: true, duplicate: false });
  });
}

function isNullIdPing(body: unknown): boolean {
  const b = body as { type?: unknown; topic?: unknown; id?: unknown } | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    b.type === 'notification_event' &&
    b.topic === 'ping' &&
    b.id === null
  );
}

/** Settles with `work`, or rejects after `ms` (work goes on; its late outcome is ignored). */
function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the queue did not answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
