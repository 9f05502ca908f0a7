// Findings verify reports besides field drift: duplicate contacts in Intercom that came from one local
// row (its creates got two records) or that share an identity a locally created row holds, and runs
// interrupted (left `running` with nothing moving). Either makes the report not clean.
import type { Contact } from '../intercom/types.js';
import { duplicateCreates } from '../db/creates.js';
import { createdIdentities, interruptedRuns, type InterruptedRun } from '../db/integrity-read.js';
import type { Executor } from '../db/sync-writes.js';

export interface DuplicateContacts {
  readonly rowId: number;
  /** Intercom contacts that are one record of the user's: created from this row, or sharing its identity. */
  readonly intercomIds: readonly string[];
  readonly reason: 'created twice' | 'same email' | 'same external_id';
}

/** Identity keys of the active Intercom contacts verify read. */
export class IdentityIndex {
  private readonly byKey = new Map<string, Set<string>>();

  add(contacts: readonly Contact[]): void {
    for (const c of contacts) {
      if (typeof c.id !== 'string') continue;
      for (const key of identityKeys(c.role, c.email, c.external_id)) {
        const ids = this.byKey.get(key) ?? new Set<string>();
        ids.add(c.id);
        this.byKey.set(key, ids);
      }
    }
  }

  idsOf(key: string): ReadonlySet<string> {
    return this.byKey.get(key) ?? new Set();
  }
}

/** A lead's external_id is Intercom's own UUID (docs/intercom-api.md#roles-and-leads), never a shared identity. */
function identityKeys(role: unknown, email: unknown, externalId: unknown): string[] {
  const keys: string[] = [];
  if (typeof email === 'string' && email !== '') keys.push(`email:${String(role)}:${email.toLowerCase()}`);
  if (role === 'user' && typeof externalId === 'string' && externalId !== '')
    keys.push(`external_id:${externalId}`);
  return keys;
}

/**
 * @example const duplicates = await findDuplicates(ctx.db, identities);
 */
export async function findDuplicates(db: Executor, index: IdentityIndex): Promise<DuplicateContacts[]> {
  const found: DuplicateContacts[] = (await duplicateCreates(db))
    .filter((d) => d.entity === 'contact')
    .map((d) => ({ rowId: d.row_id, intercomIds: d.intercom_ids, reason: 'created twice' as const }));
  const reported = new Set(found.map((d) => d.rowId));
  for (const row of await createdIdentities(db)) {
    if (reported.has(row.row_id)) continue;
    for (const key of identityKeys(row.role, row.email, row.external_id)) {
      const ids = index.idsOf(key);
      if (ids.size < 2) continue;
      found.push({
        rowId: row.row_id,
        intercomIds: [...ids].sort(),
        reason: key.startsWith('email') ? 'same email' : 'same external_id',
      });
      break;
    }
  }
  return found;
}

/** Runs idle this long while `running` are reported as interrupted. */
export const RUN_IDLE_MS = 15 * 60_000;

/** @example const runs = await findInterruptedRuns(ctx.db); */
export function findInterruptedRuns(db: Executor, idleMs = RUN_IDLE_MS): Promise<InterruptedRun[]> {
  return interruptedRuns(db, idleMs);
}
