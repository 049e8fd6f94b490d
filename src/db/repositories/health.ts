import { and, eq, isNull, lte, or } from 'drizzle-orm';
import type { HealthState } from '../../domain/types.js';
import type { HealthRepository } from '../store.js';
import { type Dialect, wroteOne } from './dialect.js';

/** Each integration's health, and the claim on its next probe (one process probes it). */
export function createHealthRepository({ db, tables: t, writers }: Dialect): HealthRepository {
  const { healthStates } = t;
  return {
    of: async (id) => (await db.select().from(healthStates).where(eq(healthStates.integrationId, id)).limit(1))[0],
    listAll: async () =>
      new Map((await db.select().from(healthStates)).map((row): [string, HealthState] => [row.integrationId, row])),
    save: (state) => writers.saveHealth(db, state),
    claimProbe: async (integrationId, now, until) =>
      wroteOne(
        db
          .update(healthStates)
          .set({ nextProbeAt: until })
          .where(
            and(
              eq(healthStates.integrationId, integrationId),
              or(isNull(healthStates.nextProbeAt), lte(healthStates.nextProbeAt, now)),
            ),
          ),
      ),
  };
}
