// The fixed parts of a seeded workspace: its reference instant, the custom data attributes of
// every type, and segments defined as rules in the search filter language.
import type { IdFactory } from './ids.js';
import type { AttributeDefinition, SegmentRecord } from './model.js';

/** Seeded data never depends on the wall clock: it ends at this instant (2024-06-01T00:00:00Z). */
export const SEED_EPOCH = 1_717_200_000;

export const DAY = 86_400;
/** The day an `importDayShare` of the contacts was created on (a bulk CSV import), 400 days before SEED_EPOCH. */
export const IMPORT_DAY = Math.floor((SEED_EPOCH - 400 * DAY) / DAY) * DAY;

export const CONTACT_ATTRIBUTES: AttributeDefinition[] = [
  { name: 'plan_tier', type: 'string' },
  { name: 'nickname', type: 'string' },
  { name: 'seats', type: 'integer' },
  { name: 'mrr', type: 'float' },
  { name: 'is_vip', type: 'boolean' },
  { name: 'trial_ends_at', type: 'date' },
];

export const COMPANY_ATTRIBUTES: AttributeDefinition[] = [
  { name: 'tier', type: 'string' },
  { name: 'employees_band', type: 'integer' },
  { name: 'churn_risk', type: 'float' },
  { name: 'is_partner', type: 'boolean' },
  { name: 'renewal_at', type: 'date' },
];

export function makeSegments(ids: IdFactory, start: number): SegmentRecord[] {
  const defs: Array<[string, 'user' | 'lead', unknown]> = [
    [
      'Active',
      'user',
      {
        operator: 'AND',
        value: [
          { field: 'role', operator: '=', value: 'user' },
          { field: 'last_seen_at', operator: '>', value: SEED_EPOCH - 30 * DAY },
        ],
      },
    ],
    ['New', 'user', { field: 'created_at', operator: '>', value: SEED_EPOCH - 90 * DAY }],
    ['All leads', 'lead', { field: 'role', operator: '=', value: 'lead' }],
    ['VIP', 'user', { field: 'custom_attributes.is_vip', operator: '=', value: true }],
    ['Unsubscribed', 'user', { field: 'unsubscribed_from_emails', operator: '=', value: true }],
    [
      'Slipping away',
      'user',
      {
        operator: 'AND',
        value: [
          { field: 'role', operator: '=', value: 'user' },
          { field: 'last_seen_at', operator: '<', value: SEED_EPOCH - 180 * DAY },
        ],
      },
    ],
  ];
  return defs.map(([name, person_type, rule], i) => {
    const created = start + i * 30 * DAY;
    return {
      id: ids.objectId(created),
      name,
      person_type,
      created_at: created,
      updated_at: created + DAY,
      rule,
    };
  });
}
