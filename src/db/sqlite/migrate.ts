import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../migrations-folder.js';
import type { Db } from './client.js';

/** Applies every pending migration; already-applied ones are skipped. */
export function runMigrations(db: Db): void {
  migrate(db, { migrationsFolder: migrationsFolder('sqlite') });
}
