// The shape of an Intercom webhook notification, checked on arrival (docs/intercom-api.md#webhook-envelope).
import { z } from 'zod';

const item = z.looseObject({ type: z.string().optional(), id: z.union([z.string(), z.number()]).optional() });

export const notificationSchema = z.looseObject({
  type: z.literal('notification_event', { error: 'type must be "notification_event"' }),
  id: z.string({ error: 'id (the notification id) must be a string' }).min(1, 'id must not be empty'),
  topic: z.string({ error: 'topic must be a string' }).min(1, 'topic must not be empty'),
  app_id: z.string().optional(),
  created_at: z.number().optional(),
  delivery_attempts: z.number().optional(),
  first_sent_at: z.number().optional(),
  data: z.looseObject({ item }, { error: 'data.item must be an object' }),
});

export type Notification = z.infer<typeof notificationSchema>;

/** One readable sentence for the first problem of a payload that is not a notification. */
export function describeNotificationProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.join('.');
  return issue.message.includes(path) || !path ? issue.message : `${path}: ${issue.message}`;
}
