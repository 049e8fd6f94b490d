import { eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { healthStates } from '../schema.js';

export type HealthRow = typeof healthStates.$inferSelect;

export function healthOf(db: Pick<Db, 'select'>, integrationId: string): HealthRow | undefined {
  return db.select().from(healthStates).where(eq(healthStates.integrationId, integrationId)).get();
}

export function listHealth(db: Db): Map<string, HealthRow> {
  return new Map(db.select().from(healthStates).all().map((row) => [row.integrationId, row]));
}

/** Creates or replaces an integration's health state. */
export function saveHealth(db: Pick<Db, 'insert'>, row: typeof healthStates.$inferInsert): void {
  db.insert(healthStates)
    .values(row)
    .onConflictDoUpdate({ target: healthStates.integrationId, set: { ...row } })
    .run();
}
