import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { HealthState, HealthUpdate } from '../../domain/types.js';
import type { HealthRepository } from '../store.js';
import type { Db } from './client.js';
import { healthStates } from './schema.js';

/** The upsert of a health state; synchronous, so it also runs inside a transaction. */
export function createHealthWriter(db: Db) {
  return {
    save(state: HealthUpdate): void {
      db.insert(healthStates)
        .values(state)
        .onConflictDoUpdate({ target: healthStates.integrationId, set: { ...state } })
        .run();
    },
  };
}

export function createHealthRepository(db: Db): HealthRepository {
  const of = db.select().from(healthStates).where(eq(healthStates.integrationId, sql.placeholder('id'))).prepare();
  const all = db.select().from(healthStates).prepare();
  const writer = createHealthWriter(db);
  return {
    of: async (id) => of.get({ id }),
    listAll: async () => new Map(all.all().map((row): [string, HealthState] => [row.integrationId, row])),
    save: async (state) => writer.save(state),
    async claimProbe(integrationId, now, until) {
      const result = db
        .update(healthStates)
        .set({ nextProbeAt: until })
        .where(and(eq(healthStates.integrationId, integrationId), or(isNull(healthStates.nextProbeAt), lte(healthStates.nextProbeAt, now))))
        .run();
      return result.changes === 1;
    },
  };
}
