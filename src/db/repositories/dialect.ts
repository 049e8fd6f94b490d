import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as pgSchema from '../postgres/schema.js';

/**
 * The tables the shared repositories are written against. Both engines declare the same tables and
 * columns (test/unit/db/schemas-match.test.ts), so the SQLite schema stands in for these types at runtime.
 */
export type Tables = typeof pgSchema;

/**
 * The database as the shared repositories see it: drizzle's query builders, which have the same shape on
 * both engines (`insert … onConflictDoNothing`, `update … set … where`, `select … from … where`,
 * `returning`), awaited. Written once against the PostgreSQL builder's types; SQLite's drizzle database
 * answers the same calls.
 */
export type SharedDb = PgDatabase<PgQueryResultHKT, Tables>;

/**
 * What differs between the engines, and nothing else (pg-boss's dialect, graphile-worker's "now"):
 * the database handle, the tables, and how a write reports the rows it changed.
 */
export interface Dialect {
  readonly db: SharedDb;
  readonly tables: Tables;
  /**
   * Runs `work` in one transaction, its statements on the handle it is given. PostgreSQL: a pool
   * transaction, first taking the transaction-scoped advisory lock `lock` when one is named (replicas take
   * turns). SQLite: `BEGIN IMMEDIATE … COMMIT` on the one connection, inside the caller's turn in the
   * store's queue (sqlite/serial.ts); the immediate transaction already makes processes take turns.
   */
  transaction<T>(work: (tx: SharedDb) => Promise<T>, options?: { lock?: number }): Promise<T>;
  /**
   * Inside a transaction: changes to `key` (a credential key) wait for other replicas' for the rest of it.
   * PostgreSQL: a transaction-scoped advisory lock; SQLite: nothing to do, its transaction is immediate.
   */
  lockKey(tx: SharedDb, key: string): Promise<void>;
}

/** The advisory lock catalogue syncs and consumer grants take on PostgreSQL: replicas apply them one at a time. */
export const CATALOGUE_SYNC_LOCK = 7_316_208_192;

/** Rows an awaited insert, update or delete changed (better-sqlite3: `changes`; node-postgres: `rowCount`). */
export function rowsChanged(result: unknown): number {
  const { changes, rowCount } = result as { changes?: number; rowCount?: number | null };
  return changes ?? rowCount ?? 0;
}

/** Whether a write changed exactly one row: the one caller that won a claim, a first insert, a first use. */
export async function wroteOne(write: PromiseLike<unknown>): Promise<boolean> {
  return rowsChanged(await write) === 1;
}
