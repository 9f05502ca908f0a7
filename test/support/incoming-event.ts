// A stored-to-be webhook delivery of `topic` carrying `item`, under a fresh notification id: what the
// route hands to storeWebhookEvents, for tests that store and apply deliveries without HTTP.
import type { IncomingEvent } from '../../src/db/webhook-events.js';
import { uniqueName } from './services.js';

/** @example await storeWebhookEvents(db, [incomingEvent('contact.user.updated', item)]); */
export function incomingEvent(topic: string, item: Record<string, unknown>): IncomingEvent {
  const notificationId = uniqueName('notif');
  return {
    notificationId,
    topic,
    payload: { type: 'notification_event', id: notificationId, topic, data: { item } },
  };
}
