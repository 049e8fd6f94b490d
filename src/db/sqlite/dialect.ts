import { sql } from 'drizzle-orm';
import type { Clock } from '../../domain/clock.js';
import type { Dialect, Engine, SharedDb, Tables } from '../repositories/dialect.js';
import { createWriters } from '../repositories/writers.js';
import type { Db } from './client.js';
import * as schema from './schema.js';
import { createSqliteWriters } from './writers.js';

/** The SQLite side of the shared repositories (db/repositories/): this database, its tables, the store's clock. */
export function sqliteDialect(db: Db, clock: Clock): Dialect {
  const shared = db as unknown as SharedDb;
  const begin = db.$client.prepare('BEGIN IMMEDIATE');
  const commit = db.$client.prepare('COMMIT');
  const rollback = db.$client.prepare('ROLLBACK');
  // A time as the timestamp_ms columns store it (epoch ms), bound as a parameter.
  const at = (ms: number) => sql`${sql.param(new Date(ms), schema.deliveries.nextAttemptAt)}`;
  const engine: Engine = {
    // One builder shape on both engines; the schemas match column for column (schemas-match.test.ts).
    db: shared,
    tables: schema as unknown as Tables,
    // Called inside a repository call's turn in the store's queue (serial.ts), so no other statement of
    // this process runs until it commits; BEGIN IMMEDIATE makes the CLI beside the server wait its turn.
    lockKey: async () => undefined,
    // `BEGIN IMMEDIATE`, so it takes the write lock before it reads. A deferred transaction (drizzle's
    // default) that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another process
    // (the CLI beside the server) committed in between — the busy timeout cannot help it; an immediate
    // one waits its turn instead (https://www.sqlite.org/lang_transaction.html,
    // https://www.sqlite.org/rescode.html#busy_snapshot).
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
    now: () => at(clock.now().getTime()),
    after: (ms) => at(clock.now().getTime() + ms),
    greatest: (column, value) => sql`max(${column}, ${value})`,
    forUpdate: (query) => query,
  };
  return { ...engine, writers: createSqliteWriters(db, createWriters(engine)) };
}
