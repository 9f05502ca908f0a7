// The two writers of a chaos run. Locally, SQL in the mirror as the user's app writes it (the
// outbox trigger captures it): name edits, bursts of three edits of one name within a second,
// inserts of leads and users Intercom does not have yet, and edits of such rows before their
// create is pushed. Remotely, "an agent in Intercom" edits other contacts through the sandbox's
// control routes, each of which emits its webhook. Every value is recorded in the oracle.
import type pg from 'pg';
import type { Prng } from '../../src/sandbox/prng.js';
import type { Oracle } from './oracle.js';

export interface Mirrored {
  readonly rowId: number;
  readonly intercomId: string;
}

/** The disjoint sets of seeded contacts each writer touches. */
export interface Plan {
  readonly local: readonly Mirrored[];
  readonly remote: readonly Mirrored[];
  readonly both: readonly Mirrored[];
}

type Control = <T>(method: string, path: string, body?: unknown) => Promise<T>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits the mirrored seeded contacts (seeded pick) into local-only, remote-only and both-sides sets. */
export function planWork(
  rng: Prng,
  mirrored: readonly Mirrored[],
  sizes: { local: number; remote: number; both: number },
): Plan {
  const shuffled = rng.shuffle([...mirrored]);
  const local = shuffled.slice(0, sizes.local);
  const remote = shuffled.slice(sizes.local, sizes.local + sizes.remote);
  const both = shuffled.slice(sizes.local + sizes.remote, sizes.local + sizes.remote + sizes.both);
  return { local, remote, both };
}

export interface WriterDeps {
  readonly pool: pg.Pool;
  readonly control: Control;
  readonly rng: Prng;
  readonly oracle: Oracle;
  readonly seed: number;
  readonly plan: Plan;
  /** Stop when this says so. */
  readonly stopped: () => boolean;
  readonly onError: (error: unknown) => void;
}

/**
 * A read-back of a write whose outcome is unknown, retried while Postgres cannot answer (it is
 * restarting) for up to 15 s: the write may have committed just before the server went down.
 */
async function readBack<T>(deps: WriterDeps, sql: string, values: unknown[]): Promise<T[]> {
  for (const deadline = Date.now() + 15_000; ; await sleep(200)) {
    try {
      return (await deps.pool.query(sql, values)).rows as T[];
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/**
 * A write whose outcome the writer cannot know (its connection cut mid-statement, the server
 * restarted) is read back: recorded as intended only if it is there.
 */
async function updateName(deps: WriterDeps, rowId: number, value: string): Promise<void> {
  try {
    await deps.pool.query('update intercom.contacts set name = $1 where id = $2', [value, rowId]);
  } catch (error) {
    const rows = await readBack<{ name: string | null }>(
      deps,
      'select name from intercom.contacts where id = $1',
      [rowId],
    );
    if (rows[0]?.name !== value) throw error;
  }
  deps.oracle.recordLocal(rowId, value);
}

/** An insert read back the same way, by its name (unique to it): its row id, if it is there. */
async function insertContact(
  deps: WriterDeps,
  values: [role: string, email: string | null, name: string, externalId: string | null],
): Promise<number> {
  try {
    const { rows } = await deps.pool.query<{ id: string }>(
      'insert into intercom.contacts (role, email, name, external_id) values ($1, $2, $3, $4) returning id',
      values,
    );
    return Number(rows[0]!.id);
  } catch (error) {
    const rows = await readBack<{ id: string }>(deps, 'select id from intercom.contacts where name = $1', [
      values[2],
    ]);
    if (!rows[0]) throw error;
    return Number(rows[0].id);
  }
}

/** The local writer: runs until stopped, about `perSecond` writes a second. */
export async function localWriter(deps: WriterDeps, perSecond: number): Promise<void> {
  const { rng, oracle, seed, plan } = deps;
  let n = 0;
  const fresh: number[] = [];
  const tag = () => `L${seed}.${++n}`;
  while (!deps.stopped()) {
    try {
      const roll = rng.float();
      if (roll < 0.5 && plan.local.length > 0) {
        await updateName(deps, rng.pick(plan.local).rowId, tag());
      } else if (roll < 0.65 && plan.local.length > 0) {
        // Three edits of one field within a second: only the last must survive.
        const row = rng.pick(plan.local).rowId;
        oracle.bursts += 1;
        for (let i = 0; i < 3; i++) {
          await updateName(deps, row, tag());
          if (i < 2) await sleep(rng.int(50, 300));
        }
      } else if (roll < 0.85) {
        const role = rng.chance(0.7) ? 'lead' : 'user';
        const id = tag();
        // One lead in five has a name only: nothing Intercom could match it by but the name.
        const email = role === 'lead' && rng.chance(0.2) ? null : `chaos-${id.toLowerCase()}@example.test`;
        const name = `C${id}`;
        const externalId = role === 'user' ? `ext-${id}` : null;
        const rowId = await insertContact(deps, [role, email, name, externalId]);
        oracle.recordCreate({ rowId, role, email, name });
        // Name-only leads are matched by their name in the end: never renamed.
        if (email !== null) fresh.push(rowId);
      } else if (fresh.length > 0) {
        // An edit of a row whose create may not have reached Intercom yet.
        await updateName(deps, rng.pick(fresh.slice(-10)), `C${tag()}`);
      }
    } catch (error) {
      deps.onError(error);
    }
    await sleep(rng.int(0, Math.round(2000 / perSecond)));
  }
}

/** The remote writer: an agent renaming remote-set contacts, never one twice within 2 s. */
export async function remoteWriter(deps: WriterDeps, perSecond: number): Promise<void> {
  const { rng, oracle, seed, plan, control } = deps;
  let n = 0;
  const lastEdit = new Map<string, number>();
  while (!deps.stopped()) {
    const target = plan.remote.length > 0 ? rng.pick(plan.remote) : undefined;
    if (target && Date.now() - (lastEdit.get(target.intercomId) ?? 0) > 2_000) {
      const value = `R${seed}.${++n}`;
      try {
        await control('PATCH', `/contacts/${target.intercomId}`, { name: value });
        oracle.recordRemote(target.intercomId, value);
        lastEdit.set(target.intercomId, Date.now());
      } catch (error) {
        deps.onError(error);
      }
    }
    await sleep(rng.int(0, Math.round(2000 / perSecond)));
  }
}

/** Waits (bounded) until no local change of the row is pending or in flight. */
async function pushed(pool: pg.Pool, rowId: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
    const rows = await pool
      .query<{ n: number }>(
        `select count(*)::int as n from intercom_sync.outbox
          where entity = 'contact' and row_id = $1 and state in ('pending', 'in_flight')`,
        [rowId],
      )
      .then((result) => result.rows)
      .catch(() => []); // Postgres restarting: ask again
    if (rows[0]?.n === 0) return true;
  }
  return false;
}

/**
 * The both-sides contacts: one side edits `name`, the other 3 s later (Intercom's timestamps are
 * whole seconds, so the order is plain to newest-wins), starting at seeded moments within `spanMs`.
 * A remote edit followed by a local one is a conflict the push settles (the local edit is newer);
 * a local edit is followed by the agent's only once it was pushed.
 */
/** How long a both-sides contact's local edit may take to reach Intercom before the agent's edit. */
const PUSHED_WITHIN_MS = 60_000;

export async function bothSidesWriter(deps: WriterDeps, spanMs: number): Promise<void> {
  const { rng, oracle, seed, plan, control } = deps;
  await Promise.all(
    plan.both.map(async (contact, i) => {
      await sleep(rng.int(0, Math.max(0, spanMs - 4_000)));
      const localFirst = rng.chance(0.5);
      const edit = async (side: 'local' | 'remote') => {
        const value = `B${seed}.${i}.${side}`;
        if (side === 'local') {
          await updateName(deps, contact.rowId, value);
          oracle.localEdits -= 1; // counted as a both-sides edit below, not a local-only one
        } else {
          await control('PATCH', `/contacts/${contact.intercomId}`, { name: value });
        }
        return { value, at: Date.now() };
      };
      try {
        const first = await edit(localFirst ? 'local' : 'remote');
        await sleep(3_000);
        // A push on its way when the agent edits can still land after the agent's edit (Intercom has
        // no conditional update: docs/chaos.md#known-limits): the agent edits once it has arrived.
        if (localFirst && !(await pushed(deps.pool, contact.rowId, PUSHED_WITHIN_MS))) {
          // Still on its way (a killed daemon, a loaded machine): an agent's edit now would race it
          // (docs/chaos.md#known-limits). The contact stays a local-only edit, judged as such.
          oracle.localEdits += 1;
          oracle.bothSkipped += 1;
          return;
        }
        const second = await edit(localFirst ? 'remote' : 'local');
        oracle.recordBoth(contact.rowId, contact.intercomId, first, second, localFirst ? 'remote' : 'local');
        oracle.local.delete(contact.rowId);
      } catch (error) {
        deps.onError(error);
      }
    }),
  );
}
