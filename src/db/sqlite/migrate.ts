import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrationsFolder } from '../migrations-folder.js';
import type { Db } from './client.js';

/**
 * Applies every pending migration; already-applied ones are skipped. drizzle's migrator reads which
 * migrations were applied before its (deferred) transaction begins, so the server and a CLI command
 * starting together on one file could both apply the same one; here the read and the changes share one
 * `BEGIN IMMEDIATE` transaction, so the second process waits and then finds nothing to do. The
 * bookkeeping table is drizzle's own (`__drizzle_migrations`, the last applied migration's timestamp),
 * so databases it migrated carry on.
 */
export function runMigrations(db: Db): void {
  const migrations = readMigrationFiles({ migrationsFolder: migrationsFolder('sqlite') });
  const client = db.$client;
  client
    .transaction(() => {
      client.exec(
        'CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)',
      );
      const last = client
        .prepare<[], { created_at: number }>(
          'SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1',
        )
        .get();
      const record = client.prepare<[string, number]>(
        'INSERT INTO "__drizzle_migrations" ("hash", "created_at") VALUES (?, ?)',
      );
      for (const migration of migrations) {
        if (last && Number(last.created_at) >= migration.folderMillis) continue;
        for (const statement of migration.sql) if (statement.trim()) client.exec(statement);
        record.run(migration.hash, migration.folderMillis);
      }
    })
    .immediate();
}
