import { eq, sql } from 'drizzle-orm';
import type { HealthState, HealthUpdate } from '../../domain/types.js';
import { createHealthRepository as createShared } from '../repositories/health.js';
import type { HealthRepository } from '../store.js';
import type { Db } from './client.js';
import type { Dialect } from '../repositories/dialect.js';
import { healthStates } from './schema.js';

/** Column of each health field, and how its value is stored (dates as epoch ms). */
const HEALTH_COLUMNS: Record<keyof HealthUpdate, string> = {
  integrationId: 'integration_id',
  status: 'status',
  outcome: 'outcome',
  reason: 'reason',
  since: 'since',
  lastCheckedAt: 'last_checked_at',
  lastSuccessAt: 'last_success_at',
  consecutiveFailures: 'consecutive_failures',
  firstFailureAt: 'first_failure_at',
  nextProbeAt: 'next_probe_at',
};

/**
 * The upsert of a health state; synchronous, so it also runs inside a transaction. It runs for every
 * probe and re-authentication: one raw statement per set of fields given, prepared once (profiled).
 */
export function createHealthWriter(db: Db) {
  const statements = new Map<string, ReturnType<Db['$client']['prepare']>>();
  const statementFor = (keys: (keyof HealthUpdate)[]) => {
    const signature = keys.join(',');
    let statement = statements.get(signature);
    if (!statement) {
      const columns = keys.map((k) => HEALTH_COLUMNS[k]);
      const updates = columns.filter((c) => c !== 'integration_id').map((c) => `${c} = excluded.${c}`);
      statement = db.$client.prepare(
        `insert into health_states (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) on conflict (integration_id) do update set ${updates.join(', ')}`,
      );
      statements.set(signature, statement);
    }
    return statement;
  };
  return {
    save(state: HealthUpdate): void {
      const keys = (Object.keys(state) as (keyof HealthUpdate)[]).filter(
        (k) => k in HEALTH_COLUMNS && state[k] !== undefined,
      );
      const values = keys.map((k) => {
        const value = state[k];
        return value instanceof Date ? value.getTime() : value;
      });
      statementFor(keys).run(...(values as unknown as [Record<string, unknown>]));
    },
  };
}

/**
 * The shared health repository, with SQLite's measured fast path: the reads prepared once (every probe
 * and interaction reads health; its upsert is the dialect's prepared writer, sqlite/writers.ts).
 */
export function createHealthRepository(db: Db, dialect: Dialect): HealthRepository {
  const of = db
    .select()
    .from(healthStates)
    .where(eq(healthStates.integrationId, sql.placeholder('id')))
    .prepare();
  const all = db.select().from(healthStates).prepare();
  return {
    ...createShared(dialect),
    of: async (id) => of.get({ id }),
    listAll: async () => new Map(all.all().map((row): [string, HealthState] => [row.integrationId, row])),
  };
}
