import { eq, sql } from 'drizzle-orm';
import { prepared } from '../prepared.js';
import type { Db } from '../client.js';
import { healthStates } from '../schema.js';

export type HealthRow = typeof healthStates.$inferSelect;

export function healthOf(db: Pick<Db, 'select'>, integrationId: string): HealthRow | undefined {
  return prepared(db, 'healthOf', () => db.select().from(healthStates).where(eq(healthStates.integrationId, sql.placeholder('id'))).prepare()).get({ id: integrationId });
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
