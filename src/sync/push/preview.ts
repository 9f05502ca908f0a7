// What a push would send, record by record and field by field, without sending anything or
// claiming a change: `push --dry-run`. Planned by the same merge as the push itself
// (docs/design.md#principle-4), from the mirror and the last agreed snapshot; no API call.
import { pendingChanges, type OutboxEntity, type OutboxRow } from '../../db/outbox.js';
import { readCompanyWithSnapshot, readContactWithSnapshot } from '../../db/snapshots.js';
import type { Executor } from '../../db/sync-writes.js';
import { planFieldPush, type FieldConflict } from '../../mappers/field-merge.js';
import { readField } from '../../mappers/field-path.js';
import {
  COMPANY_PUSHABLE,
  COMPANY_TIMESTAMPS,
  CONTACT_PUSHABLE,
  CONTACT_TIMESTAMPS,
} from '../../mappers/push-input.js';
import { policyFor, type PushSettings } from './context.js';
import { asLocalChanges } from './push-contact.js';
import { remoteView } from './write-back.js';

/** One field the push would write: Intercom's value as the mirror last saw it, and the new one. */
export interface FieldToSend {
  readonly field: string;
  readonly intercom: unknown;
  readonly postgres: unknown;
}

export interface RecordPreview {
  readonly entity: OutboxEntity;
  readonly rowId: number;
  readonly intercomId: string | null;
  /** create, update, delete, attach, detach, or nothing (every change already in Intercom or lost to it). */
  readonly action: 'create' | 'update' | 'delete' | 'attach' | 'detach' | 'nothing';
  readonly fields: readonly FieldToSend[];
  /** Fields changed on both sides, and which side the policy would take. */
  readonly conflicts: readonly FieldConflict[];
  /** Local changes this covers. */
  readonly changes: number;
}

/** @example const records = await previewPush(db, pushSettings(config)); */
export async function previewPush(db: Executor, settings: PushSettings): Promise<RecordPreview[]> {
  const byRecord = new Map<string, OutboxRow[]>();
  for (const change of await pendingChanges(db)) {
    const key = `${change.entity}:${change.row_id}`;
    byRecord.set(key, [...(byRecord.get(key) ?? []), change]);
  }
  const previews: RecordPreview[] = [];
  for (const changes of byRecord.values()) previews.push(await previewRecord(db, settings, changes));
  return previews;
}

async function previewRecord(
  db: Executor,
  settings: PushSettings,
  changes: readonly OutboxRow[],
): Promise<RecordPreview> {
  const { entity, row_id: rowId } = changes[0]!;
  const last = changes.at(-1)!;
  const base = { entity, rowId, changes: changes.length, conflicts: [] as FieldConflict[] };
  if (entity === 'contact_company' || entity === 'note') {
    const data = last.new_data ?? last.old_data ?? {};
    const fields = Object.entries(data)
      .filter(([key]) => key !== 'id')
      .map(([field, value]) => ({ field, intercom: null, postgres: value }));
    const action =
      entity === 'note'
        ? last.op === 'delete'
          ? 'delete'
          : 'create'
        : last.op === 'delete'
          ? 'detach'
          : 'attach';
    return { ...base, intercomId: (data.intercom_id as string | undefined) ?? null, action, fields };
  }
  const contacts = entity === 'contact';
  const row = contacts ? await readContactWithSnapshot(db, rowId) : await readCompanyWithSnapshot(db, rowId);
  if (!row) {
    const intercomId = (last.old_data?.intercom_id as string | undefined) ?? null;
    return { ...base, intercomId, action: intercomId ? 'delete' : 'nothing', fields: [] };
  }
  const pushable = contacts ? CONTACT_PUSHABLE : COMPANY_PUSHABLE;
  if (!row.intercom_id) {
    const record = row as Record<string, unknown>;
    const fields = [...pushable]
      .filter((field) => record[field] !== null && record[field] !== undefined)
      .map((field) => ({ field, intercom: null, postgres: record[field] }));
    return { ...base, intercomId: null, action: 'create', fields };
  }
  const remote = remoteView(row, changes[0]!.old_data);
  const plan = planFieldPush({
    changes: asLocalChanges(changes),
    ...remote,
    pushable,
    timestamps: contacts ? CONTACT_TIMESTAMPS : COMPANY_TIMESTAMPS,
    policyFor: policyFor(settings, entity),
  });
  const fields = Object.entries(plan.push).map(([field, postgres]) => ({
    field,
    intercom: readField(remote.current, field) ?? null,
    postgres,
  }));
  return {
    ...base,
    intercomId: row.intercom_id,
    action: fields.length > 0 ? 'update' : 'nothing',
    fields,
    conflicts: [...plan.conflicts],
  };
}
