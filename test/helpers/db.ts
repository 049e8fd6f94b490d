import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../../src/db/sqlite/client.js';
import { runMigrations } from '../../src/db/sqlite/migrate.js';
import { createSqliteStore } from '../../src/db/sqlite/store.js';
import type { Store } from '../../src/db/store.js';
import type { Clock } from '../../src/domain/clock.js';

/** A fresh in-memory database with the real migrations applied. */
export function memoryDb(): Db {
  const db = openDatabase(':memory:');
  runMigrations(db);
  return db;
}

/** The SQLite store over a fresh in-memory database, with the drizzle handle for direct checks. */
export function memoryStore(clock?: Clock): Store & { db: Db } {
  return createSqliteStore(memoryDb(), clock);
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'reauth-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A migrated database in a file, for tests that inspect the bytes on disk. */
export function fileDb(): { db: Db; path: string; cleanup: () => void } {
  const dir = tempDir();
  const path = join(dir.path, 'nested', 'reauth.db');
  const db = openDatabase(path);
  runMigrations(db);
  return {
    db,
    path,
    cleanup: () => {
      closeDatabase(db);
      dir.cleanup();
    },
  };
}
