import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { AlertRepository } from '../store.js';
import { POST_CLAIM_MS } from '../engine-rules.js';
import { type Dialect, wroteOne } from './dialect.js';

/** Alerts: one open per key (a partial unique index on both engines), posted by one process at a time. */
export function createAlertRepository({ db, tables }: Dialect): AlertRepository {
  const { alerts } = tables;
  return {
    open: async (key) =>
      (
        await db
          .select()
          .from(alerts)
          .where(and(eq(alerts.alertKey, key), isNull(alerts.resolvedAt)))
          .limit(1)
      )[0],
    listOpen: async () => db.select().from(alerts).where(isNull(alerts.resolvedAt)),
    async insertOpen(alert) {
      // Another open alert for the key (another replica, or a probe racing this one): nothing is inserted.
      // Untargeted: drizzle's SQLite builder writes a partial index's conflict target as invalid SQL
      // (`… do nothing where …`), and alerts_one_open_per_key is the table's only unique rule besides its id.
      const [row] = await db.insert(alerts).values(alert).onConflictDoNothing().returning();
      return row;
    },
    async update(id, values) {
      await db.update(alerts).set(values).where(eq(alerts.id, id));
    },
    claimPost: async (id, now) =>
      // A claim lapses after POST_CLAIM_MS (a crashed poster) or when the last attempt failed.
      wroteOne(
        db
          .update(alerts)
          .set({ postErrorAt: now })
          .where(
            and(
              eq(alerts.id, id),
              isNull(alerts.messageTs),
              or(
                isNull(alerts.postErrorAt),
                isNotNull(alerts.postError),
                lt(alerts.postErrorAt, new Date(now.getTime() - POST_CLAIM_MS)),
              ),
            ),
          ),
      ),
  };
}
