import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import * as schema from './schema.js';
import type { Dialect, SharedDb, Tables } from '../repositories/dialect.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Opens the SQLite database: creates its folder, WAL journal, foreign keys on,
 * a busy timeout so the CLI can run beside a running server.
 */
export function openDatabase(path: string): Db {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return drizzle({ client: sqlite, schema, casing: 'snake_case' }) as Db;
}

export function closeDatabase(db: Db): void {
  if (db.$client.open) db.$client.close();
}

/**
 * Every SQLite transaction of Reauth's: `BEGIN IMMEDIATE`, so it takes the write lock before it reads.
 * A deferred transaction (drizzle's default) that reads and then writes fails at once with
 * SQLITE_BUSY_SNAPSHOT when another process (the CLI beside the server) committed in between — the busy
 * timeout cannot help it; an immediate one waits its turn instead
 * (https://www.sqlite.org/lang_transaction.html, https://www.sqlite.org/rescode.html#busy_snapshot).
 */
export function inTransaction<T>(db: Db, body: (tx: Parameters<Parameters<Db['transaction']>[0]>[0]) => T): T {
  return db.transaction(body, { behavior: 'immediate' });
}

/** The SQLite side of the shared repositories (db/repositories/): this database and its tables. */
export function sqliteDialect(db: Db): Dialect {
  const shared = db as unknown as SharedDb;
  const begin = db.$client.prepare('BEGIN IMMEDIATE');
  const commit = db.$client.prepare('COMMIT');
  const rollback = db.$client.prepare('ROLLBACK');
  return {
    // One builder shape on both engines; the schemas match column for column (schemas-match.test.ts).
    db: shared,
    tables: schema as unknown as Tables,
    // Called inside a repository call's turn in the store's queue (serial.ts), so no other statement of
    // this process runs until it commits; BEGIN IMMEDIATE makes the CLI beside the server wait its turn.
    lockKey: async () => undefined,
    async transaction(work) {
      begin.run();
      try {
        const result = await work(shared);
        commit.run();
        return result;
      } catch (error) {
        if (db.$client.inTransaction) rollback.run();
        throw error;
      }
    },
  };
}
