import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Db } from './client.js';

/** migrations/ sits at the package root, both from src/db/sqlite and from dist/src/db/sqlite. */
export function migrationsFolder(): string {
  for (const relative of ['../../../migrations', '../../../../migrations']) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${candidate}/meta/_journal.json`)) return candidate;
  }
  throw new Error('The migrations folder was not found next to the package; reinstall Reauth.');
}

/** Applies every pending migration; already-applied ones are skipped. */
export function runMigrations(db: Db): void {
  migrate(db, { migrationsFolder: migrationsFolder() });
}
