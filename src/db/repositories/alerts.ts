import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
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

/** A post attempt in flight is trusted this long before another process may try. */
export const POST_CLAIM_MS = 30_000;

/**
 * Claims the right to post an alert's message: true for exactly one caller, across processes. A
 * claim lapses after POST_CLAIM_MS (a crashed poster) or when the last attempt failed.
 */
export function claimAlertPost(db: Db, id: number, now: Date): boolean {
  const result = db
    .update(alerts)
    .set({ postErrorAt: now })
    .where(
      and(
        eq(alerts.id, id),
        isNull(alerts.messageTs),
        or(isNull(alerts.postErrorAt), isNotNull(alerts.postError), lt(alerts.postErrorAt, new Date(now.getTime() - POST_CLAIM_MS))),
      ),
    )
    .run();
  return result.changes === 1;
}
