import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { migrationsFolder } from '../migrations-folder.js';
import type { PgDb } from './client.js';

/** One advisory lock key for migrations: replicas starting together migrate one after another. */
const MIGRATION_LOCK = 7_316_208_191;

/**
 * Applies pending migrations under a session advisory lock
 * (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS): a second replica waits,
 * then finds nothing left to apply.
 */
export async function runPostgresMigrations(db: PgDb): Promise<void> {
  const client = await db.$client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder('postgres') });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
