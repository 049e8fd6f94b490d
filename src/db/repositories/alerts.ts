import { and, eq, isNull, sql } from 'drizzle-orm';
import { prepared } from '../prepared.js';
import type { Db } from '../client.js';
import { alerts } from '../schema.js';

export type AlertRow = typeof alerts.$inferSelect;

export function openAlert(db: Pick<Db, 'select'>, alertKey: string): AlertRow | undefined {
  return prepared(db, 'openAlert', () => db.select().from(alerts).where(and(eq(alerts.alertKey, sql.placeholder('key')), isNull(alerts.resolvedAt))).prepare()).get({ key: alertKey });
}

export function listOpenAlerts(db: Pick<Db, 'select'>): AlertRow[] {
  return db.select().from(alerts).where(isNull(alerts.resolvedAt)).all();
}

/** Inserts an open alert; undefined when another one is already open for the key. */
export function insertOpenAlert(db: Db, row: typeof alerts.$inferInsert): AlertRow | undefined {
  try {
    return db.insert(alerts).values(row).returning().get();
  } catch (error) {
    if (/UNIQUE/.test((error as Error).message)) return undefined;
    throw error;
  }
}

export function updateAlert(db: Pick<Db, 'update'>, id: number, values: Partial<typeof alerts.$inferInsert>): void {
  db.update(alerts).set(values).where(eq(alerts.id, id)).run();
}
