import type { SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { AuditEntry, Credential, HealthUpdate, Integration } from '../../domain/types.js';
import type { OutboxWrite } from '../store.js';
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
 * the database handle, the tables, where "now" comes from, a few SQL functions, and how transactions and
 * locks are taken.
 */
export interface Engine {
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
  /**
   * The time every delivery decision (due, leased, lapsed) is made by: the database server's `now()` on
   * PostgreSQL, so replicas whose clocks disagree still agree; the store's clock on SQLite (one process).
   */
  now(): SQL;
  /** `now()` plus `ms` milliseconds. */
  after(ms: number): SQL;
  /** The larger of two values (PostgreSQL `greatest`, SQLite's two-argument `max`). */
  greatest(column: AnyPgColumn | SQL, value: number): SQL;
  /**
   * A read inside a transaction that locks its rows until the commit (`FOR UPDATE`, with `skipLocked`
   * rows another replica holds are passed over). SQLite: the query unchanged — its transaction holds the file.
   */
  forUpdate<Q extends object>(query: Q, options?: { skipLocked?: boolean; of?: Tables[keyof Tables] }): Q;
}

/**
 * Statements the credential commit and its neighbours run on every change and probe, on the handle given
 * (the database or a transaction). Written once over the builder (repositories/writers.ts); SQLite keeps
 * its measured prepared statements for them (sqlite/writers.ts) — building a statement per call cost a
 * submission half again its CPU.
 */
export interface Writers {
  currentCredential(q: SharedDb, key: string): Promise<Credential | undefined>;
  /** The active integrations one credential key serves, in id order. */
  servedBy(q: SharedDb, key: string): Promise<Integration[]>;
  /** The highest version a key has had, retired ones included (0 for none). */
  lastVersion(q: SharedDb, key: string): Promise<number>;
  /** Keeps a retired credential's metadata for history and erases its secret. */
  retireCredential(q: SharedDb, key: string, now: Date): Promise<Credential | undefined>;
  /** Records the version each served integration now holds (the floor of its next one). */
  markServedVersion(q: SharedDb, served: readonly { id: string }[], version: number): Promise<void>;
  saveHealth(q: SharedDb, state: HealthUpdate): Promise<void>;
  insertAuditRow(q: SharedDb, entry: AuditEntry, now: Date): Promise<void>;
  /** The outbox rows of one credential version, written in the transaction that makes it. */
  writeOutbox(
    q: SharedDb,
    outbox: OutboxWrite | undefined,
    credential: { id: number; version: number },
    served: readonly { id: string }[],
    now: Date,
  ): Promise<void>;
}

/** An engine and the statements it runs its way. */
export interface Dialect extends Engine {
  readonly writers: Writers;
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
