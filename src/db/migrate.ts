// Applies the migrations in migrations/, once, even when several processes start together.
import { Migrator, sql, type Kysely, type MigrationResult } from 'kysely';
import { migrations } from '../../migrations/index.js';

/** Arbitrary constant key of the advisory lock that serialises migrators across processes. */
export const MIGRATION_LOCK_KEY = 7_104_202_611;

export interface MigrateOutcome {
  readonly applied: readonly string[];
  readonly current: string | undefined;
}

/**
 * Brings the database to the newest schema. Idempotent; concurrent callers wait for each other.
 * @example const { applied } = await migrateToLatest(db);
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrateOutcome> {
  // Kysely's Migrator locks while migrating, but creates its own tables and our schemas before
  // it takes that lock; two processes racing there can fail on "duplicate key". One session
  // lock around the whole run (held on one connection) closes that gap.
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      await sql`create schema if not exists intercom_sync`.execute(connection);
      const migrator = new Migrator({
        db: connection,
        provider: { getMigrations: async () => ({ ...migrations }) },
        migrationTableSchema: 'intercom_sync',
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw migrationError(error, results);
      const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      const all = await migrator.getMigrations();
      const current = all.filter((m) => m.executedAt).at(-1)?.name;
      return { applied, current };
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}

function migrationError(error: unknown, results: MigrationResult[] | undefined): Error {
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(failed ? `migration ${failed} failed: ${reason}` : `migrating failed: ${reason}`, {
    cause: error,
  });
}

/**
 * Which migrations this build knows are applied and which are not, changing nothing (`migrate --dry-run`).
 * @example const { pending } = await migrationStatus(db);
 */
export async function migrationStatus(db: Kysely<any>): Promise<{ applied: string[]; pending: string[] }> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableSchema: 'intercom_sync',
  });
  const all = await migrator.getMigrations();
  return {
    applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}

/** True when every migration this build knows has been applied (for /ready). */
export async function migrationsApplied(db: Kysely<any>): Promise<boolean> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableSchema: 'intercom_sync',
  });
  try {
    const all = await migrator.getMigrations();
    return all.every((m) => m.executedAt !== undefined);
  } catch {
    return false;
  }
}

/**
 * Throws the driver's error when Postgres cannot be reached or refuses us (checked before waiting
 * on the migration lock, so an unreachable database fails start-up instead of looking like a wait).
 * @example await pingDatabase(db);
 */
export async function pingDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** True when Postgres answers and every migration this build knows is applied (the daemon's /ready). */
export async function databaseReady(db: Kysely<any>): Promise<boolean> {
  await sql`select 1`.execute(db);
  return migrationsApplied(db);
}
