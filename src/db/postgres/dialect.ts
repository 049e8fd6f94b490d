import { sql } from 'drizzle-orm';
import type { Clock } from '../../domain/clock.js';
import type { Dialect, Engine, SharedDb } from '../repositories/dialect.js';
import { createWriters } from '../repositories/writers.js';
import type { PgDb } from './client.js';
import * as schema from './schema.js';

/**
 * Serialises changes to one credential key across replicas for the rest of the transaction
 * (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS).
 */
const credentialKeyLock = (key: string) => sql`select pg_advisory_xact_lock(hashtext(${`credential:${key}`}))`;

/**
 * Where "now" comes from for the decisions several replicas must agree on (what is due, leased, lapsed;
 * a consumer's minute): the database server's clock — or, for tests that move time, the store's clock
 * (graphile-worker's `useNodeTime`).
 */
export type StoreTime = 'database' | Clock;

/**
 * The PostgreSQL side of the shared repositories (db/repositories/): the pool and its tables. Every time
 * that decides who may work a delivery is the database server's (`now()`), never a replica's: replicas
 * whose clocks disagree by minutes still agree on what is due, leased and lapsed.
 */
export function postgresDialect(db: PgDb, time: StoreTime = 'database'): Dialect {
  const at = (ms: number) => sql`${sql.param(new Date(ms), schema.deliveries.nextAttemptAt)}::timestamptz`;
  const engine: Engine = {
    db: db as unknown as SharedDb,
    tables: schema,
    async lockKey(tx, key) {
      await tx.execute(credentialKeyLock(key));
    },
    transaction: (work, options) =>
      db.transaction(async (tx) => {
        if (options?.lock !== undefined) await tx.execute(sql`select pg_advisory_xact_lock(${options.lock})`);
        return work(tx as unknown as SharedDb);
      }),
    now: () => (time === 'database' ? sql`now()` : at(time.now().getTime())),
    after: (ms) =>
      time === 'database' ? sql`now() + ${ms} * interval '1 millisecond'` : at(time.now().getTime() + ms),
    greatest: (column, value) => sql`greatest(${column}, ${value})`,
    // https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE
    forUpdate: (query, options) =>
      (query as unknown as { for(strength: 'update', config: object): typeof query }).for('update', {
        ...(options?.of ? { of: options.of } : {}),
        ...(options?.skipLocked ? { skipLocked: true } : {}),
      }),
  };
  return { ...engine, writers: createWriters(engine) };
}
