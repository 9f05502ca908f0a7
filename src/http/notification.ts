// The shape of an Intercom webhook notification, checked on arrival (docs/intercom-api.md#webhook-envelope).
// Only what the route needs to store it is required: the rest is kept as received, whatever it holds.
import { z } from 'zod';

/** Longer notification ids would not fit the unique index; Intercom's are `notif_<uuid>` (42 characters). */
export const MAX_NOTIFICATION_ID_LENGTH = 255;

const item = z.looseObject({ type: z.unknown().optional(), id: z.unknown().optional() });

export const notificationSchema = z.looseObject({
  type: z.literal('notification_event', { error: 'type must be "notification_event"' }),
  id: z
    .string({ error: 'id (the notification id) must be a string' })
    .min(1, 'id must not be empty')
    .max(MAX_NOTIFICATION_ID_LENGTH, `id must not be longer than ${MAX_NOTIFICATION_ID_LENGTH} characters`),
  topic: z.string({ error: 'topic must be a string' }).min(1, 'topic must not be empty'),
  app_id: z.unknown().optional(),
  created_at: z.unknown().optional(),
  data: z.looseObject({ item }, { error: 'data.item must be an object' }),
});

export type Notification = z.infer<typeof notificationSchema>;

/** One readable sentence for the first problem of a payload that is not a notification. */
export function describeNotificationProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.join('.');
  return issue.message.includes(path) || !path ? issue.message : `${path}: ${issue.message}`;
}
