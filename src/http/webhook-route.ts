// POST/HEAD /webhooks/intercom: verify, store once, acknowledge; a worker applies it later. A signed
// delivery that can be stored is stored and answered 2xx; what cannot be is answered 4xx with why.
// Intercom waits at most 5 s and tries a delivery twice (docs/intercom-api.md#webhook-delivery), so this path
// does one insert and one enqueue, nothing else; deliveries arriving together share both (group commit).
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import {
  storeWebhookEvent,
  storeWebhookEvents,
  type IncomingEvent,
  type StoredEvent,
} from '../db/webhook-events.js';
import { eachAlone, groupCommit } from '../group-commit.js';
import { storableJson } from '../mappers/storable-json.js';
import { apiTimestampSeconds } from '../mappers/timestamp.js';
import type { Metrics } from '../observability/metrics.js';
import { describeNotificationProblem, notificationSchema } from './notification.js';
import { verifySignature } from './signature.js';

export interface WebhookRouteDeps {
  /** Where deliveries are stored: best a small pool of its own, so apply work cannot hold up acks. */
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clientSecret: string;
  /**
   * Hands a stored event to the workers; the acknowledgement does not wait for it. If it fails
   * (or never settles: with Redis down the queue client holds commands until it reconnects) the
   * event stays stored and the sweeper enqueues it.
   */
  readonly enqueue: (eventId: number, notificationId: string) => Promise<void>;
}

export const WEBHOOK_PATH = '/webhooks/intercom';

/** Up to 200 deliveries an insert, two inserts at once (what the route's own pool holds). */
const STORE_GROUP = { maxBatch: 200, parallel: 2 };

export function registerWebhookRoute(app: FastifyInstance, deps: WebhookRouteDeps): void {
  const { db, log, metrics, clientSecret, enqueue } = deps;
  // One insert for the deliveries that arrive while the previous ones are being stored; if it
  // fails, each is stored alone so a failure answers only its own delivery.
  const store = groupCommit<IncomingEvent, StoredEvent>(async (events) => {
    if (events.length === 1) return eachAlone(events, (event) => storeWebhookEvent(db, event));
    try {
      const stored = await storeWebhookEvents(db, events);
      return stored.map((value) => ({ ok: true as const, value }));
    } catch {
      return eachAlone(events, (event) => storeWebhookEvent(db, event));
    }
  }, STORE_GROUP);

  // Intercom checks the URL with a HEAD request when the subscription is saved.
  app.head(WEBHOOK_PATH, async (_request, reply) => reply.code(200).send());

  // Timed from the request's arrival to the answer having been sent, whatever the answer was.
  const timeAck = async (_request: FastifyRequest, reply: FastifyReply) => {
    metrics.webhookAckDuration.observe({ status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  };

  app.post(WEBHOOK_PATH, { onResponse: timeAck }, async (request, reply) => {
    // Fastify hands no buffer at all for an empty body.
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const reject = (status: number, error: string) => {
      metrics.webhooks.inc({ outcome: 'rejected' });
      log.warn({ status, reason: error }, 'webhook rejected');
      return reply.code(status).send({ error });
    };

    const verdict = verifySignature(raw, request.headers['x-hub-signature'], clientSecret);
    if (!verdict.ok) return reject(401, `signature check failed: ${verdict.reason}`);
    if (raw.length === 0) return reject(400, 'the body is empty: an Intercom notification is a JSON object');

    const text = raw.toString('utf8');
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(text);
    } catch (error) {
      return reject(400, `the body is not valid JSON: ${(error as Error).message}`);
    }
    // Postgres refuses NUL and lone surrogates in jsonb: repaired here, so the delivery is stored
    // (and applied) instead of failing on insert.
    const storable = storableJson(parsedJson, text);
    if (!storable.ok) return reject(400, `the notification cannot be stored: ${storable.reason}`);
    const body = storable.value;
    if (storable.replaced > 0)
      log.warn({ replaced: storable.replaced }, 'webhook text Postgres cannot store was replaced by U+FFFD');

    // Live pings carry `"id": null` (docs/intercom-api.md#webhooks): there is nothing to apply and no
    // id to deduplicate by, so the body's digest keys it; a 4xx would count towards a pause.
    const ping = isNullIdPing(body);
    const parsed = notificationSchema.safeParse(
      ping ? { ...(body as object), id: `ping:${createHash('sha1').update(raw).digest('hex')}` } : body,
    );
    if (!parsed.success)
      return reject(400, `not an Intercom notification: ${describeNotificationProblem(parsed.error)}`);

    const notification = parsed.data;
    const item = notification.data.item;
    let stored;
    try {
      stored = await store({
        notificationId: notification.id,
        topic: notification.topic,
        appId: typeof notification.app_id === 'string' ? notification.app_id : undefined,
        itemType: typeof item.type === 'string' ? item.type : undefined,
        itemId: typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id) : undefined,
        notifiedAt: notifiedAt(notification.created_at),
        payload: body,
        // The body as received is the JSON to store when nothing in it needed repair.
        ...(storable.replaced === 0 && { payloadText: text }),
        ...(ping && { ignored: { reason: 'a ping carries no record' } }),
      });
    } catch (error) {
      // The database's own message stays in the log: it says nothing Intercom can act on.
      log.error({ err: error, notificationId: notification.id }, 'could not store a webhook');
      metrics.webhooks.inc({ outcome: 'rejected' });
      return reply
        .code(503)
        .send({ error: 'the notification could not be stored right now; deliver it again later' });
    }
    if (ping) {
      metrics.webhooks.inc({ outcome: 'ignored' });
      log.info({ notificationId: notification.id, duplicate: stored.duplicate }, 'webhook ping acknowledged');
      return reply.code(200).send({ received: true, ping: true });
    }
    if (stored.duplicate) {
      metrics.webhooks.inc({ outcome: 'duplicate' });
      return reply.code(200).send({ received: true, duplicate: true });
    }
    metrics.webhooks.inc({ outcome: 'received' });
    // Stored is what the 2xx promises, so the hand-off to the workers is not waited for: a slow
    // or absent Redis costs no acknowledgement time, and the sweeper re-enqueues events left in
    // 'received' (an event stored by a process that died before enqueueing it, too).
    enqueue(stored.id, notification.id).catch((error: unknown) =>
      log.error(
        { err: error, notificationId: notification.id },
        'could not enqueue webhook; the sweeper will retry',
      ),
    );
    return reply.code(200).send({ received: true, duplicate: false });
  });
}

/** The envelope's `created_at` (UNIX seconds) as a Date, when it is one a timestamp column holds. */
function notifiedAt(value: unknown): Date | undefined {
  if (typeof value !== 'number') return undefined;
  const seconds = apiTimestampSeconds(value);
  return typeof seconds === 'number' ? new Date(seconds * 1000) : undefined;
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
