// What a push is handed besides the sync context: the note author and the conflict policy.
import { ServiceError } from '../../errors.js';
import type { ConflictPolicy } from '../../mappers/field-merge.js';
import type { OutboxEntity } from '../../db/outbox.js';
import type { SyncContext } from '../context.js';

export interface PushSettings {
  /** Author of notes created from Postgres (INTERCOM_ADMIN_ID). */
  readonly adminId?: string | undefined;
  /** Default policy for a field changed on both sides, and per-field overrides ("contact.email"). */
  readonly policy: ConflictPolicy;
  readonly fieldPolicies: Readonly<Record<string, ConflictPolicy>>;
  /** First wait before a failed push that may pass is tried again; doubles per attempt, to 60 s. */
  readonly retryMinDelayMs: number;
  /** How long a change waits for the record it depends on (DependencyNotPushedError). */
  readonly dependencyWaitMs: number;
  /**
   * A write naming a custom attribute Intercom does not have: create it first, its type taken from
   * the value (PUSH_CREATE_ATTRIBUTES), or fail the change before any call (the default).
   */
  readonly createAttributes?: boolean;
  /**
   * How long a contact created under an email or external_id stays remembered, so a second create
   * of the same identity finds the first (search shows new contacts this late; SEARCH_LAG_SECONDS).
   */
  readonly recentCreateSeconds?: number;
}

export interface PushContext extends SyncContext {
  readonly push: PushSettings;
}

export function policyFor(settings: PushSettings, entity: OutboxEntity) {
  return (field: string): ConflictPolicy =>
    settings.fieldPolicies[`${entity}.${field}`] ?? settings.fieldPolicies[field] ?? settings.policy;
}

/** A change that must wait for another record to reach Intercom first (a note's contact, say): it passes once that one is pushed. */
export class DependencyNotPushedError extends ServiceError {
  override name = 'DependencyNotPushedError';
  constructor(message: string) {
    super(message, { permanent: false });
  }
}
