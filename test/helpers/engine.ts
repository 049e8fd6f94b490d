import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { closePostgres, openPostgres, type PgDb } from '../../src/db/postgres/client.js';
import type { SharedDb, Tables } from '../../src/db/repositories/dialect.js';
import { closeDatabase, openDatabase, type Db } from '../../src/db/sqlite/client.js';
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
 * A test's own connection to the database a running app uses — never the store's (the product hands out
 * no engine handle). Through `shared`, drizzle over the engine's tables, a test sets up the few states no
 * service would write (an access token a minute from expiry, a message given up on), the same way on both
 * engines; `sqlite` is the raw SQLite handle of the tests that are about SQLite itself.
 */
export interface OwnConnection {
  shared: { db: SharedDb; tables: Tables };
  /** The SQLite handle; undefined on PostgreSQL. */
  sqlite: Db | undefined;
  /** PostgreSQL writes every change to its data files (a no-op on SQLite). */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export function openOwnConnection(config: Pick<Config, 'databasePath' | 'databaseUrl'>): OwnConnection {
  if (config.databaseUrl) {
    const pg: PgDb = openPostgres(config.databaseUrl);
    return {
      shared: { db: pg as unknown as SharedDb, tables: pgSchema },
      sqlite: undefined,
      checkpoint: async () => void (await pg.$client.query('checkpoint')),
      close: () => closePostgres(pg),
    };
  }
  const sqlite = openDatabase(config.databasePath);
  return {
    shared: { db: sqlite as unknown as SharedDb, tables: sqliteSchema as unknown as Tables },
    sqlite,
    checkpoint: async () => undefined,
    close: async () => closeDatabase(sqlite),
  };
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
  connection: OwnConnection,
  place: { databasePath: string; pgDataDir?: string },
): Promise<Buffer> {
  if (!connection.sqlite) {
    if (!place.pgDataDir) throw new Error('the PostgreSQL data directory is not known');
    await connection.checkpoint();
    return Buffer.concat(filesUnder(place.pgDataDir));
  }
  const path = place.databasePath;
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file)));
}
