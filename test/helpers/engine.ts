import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenedStore } from '../../src/compose.js';
import type { SharedDb, Tables } from '../../src/db/repositories/dialect.js';
import * as pgSchema from '../../src/db/postgres/schema.js';
import * as sqliteSchema from '../../src/db/sqlite/schema.js';

/**
 * The engine the end-to-end tests run on: SQLite unless REAUTH_TEST_DATABASE=postgres, which runs each
 * test app on a real PostgreSQL of its own (vitest.config.ts runs the interactive and delivery suites
 * both ways).
 */
export const testEngine = (): 'sqlite' | 'postgres' =>
  process.env.REAUTH_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * The store's database as the shared repositories see it — drizzle over the engine's tables — for the
 * few states a test sets up that no service would write (an access token a minute from expiry, a
 * message given up on), written the same way on both engines.
 */
export function databaseOf(store: OpenedStore): { db: SharedDb; tables: Tables } {
  if (store.pg) return { db: store.pg as unknown as SharedDb, tables: pgSchema };
  if (store.db) return { db: store.db as unknown as SharedDb, tables: sqliteSchema as unknown as Tables };
  throw new Error('the store has neither engine handle');
}

/** Every file under a folder, read. */
function filesUnder(folder: string): Buffer[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return [];
    return stat.isDirectory() ? filesUnder(path) : [readFileSync(path)];
  });
}

/**
 * What the database keeps at rest, for tests that search it for secrets: the SQLite file and its WAL,
 * or PostgreSQL's data directory (tables and write-ahead log) after a checkpoint wrote every change there.
 */
export async function bytesAtRest(
  store: OpenedStore,
  place: { databasePath: string; pgDataDir?: string },
): Promise<Buffer> {
  if (store.pg) {
    if (!place.pgDataDir) throw new Error('the PostgreSQL data directory is not known');
    await store.pg.$client.query('checkpoint');
    return Buffer.concat(filesUnder(place.pgDataDir));
  }
  const path = place.databasePath;
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file)));
}
