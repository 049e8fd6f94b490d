import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { Alert } from '../../domain/types.js';
import type { AlertRepository } from '../store.js';
import { POST_CLAIM_MS } from '../engine-rules.js';
import type { Db } from './client.js';
import { alerts } from './schema.js';

export function createAlertRepository(db: Db): AlertRepository {
  const open = db
    .select()
    .from(alerts)
    .where(and(eq(alerts.alertKey, sql.placeholder('key')), isNull(alerts.resolvedAt)))
    .prepare();
  return {
    open: async (key) => open.get({ key }),
    listOpen: async () =>
      db
        .select()
        .from(alerts)
        .where(isNull(alerts.resolvedAt))
        .all()
        .map((row): Alert => row),
    async insertOpen(alert) {
      try {
        return db.insert(alerts).values(alert).returning().get();
      } catch (error) {
        if (/UNIQUE/.test((error as Error).message)) return undefined;
        throw error;
      }
    },
    async update(id, values) {
      db.update(alerts).set(values).where(eq(alerts.id, id)).run();
    },
    async claimPost(id, now) {
      // A claim lapses after POST_CLAIM_MS (a crashed poster) or when the last attempt failed.
      const result = db
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
        )
        .run();
      return result.changes === 1;
    },
  };
}
