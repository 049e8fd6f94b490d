import { eq } from 'drizzle-orm';
import type { ExpiryWarningRepository } from '../store.js';
import { inTransaction, type Db } from './client.js';
import { expiryWarnings } from './schema.js';

export function createExpiryWarningRepository(db: Db): ExpiryWarningRepository {
  return {
    warnedThresholds: async (credentialId) =>
      new Set(
        db
          .select()
          .from(expiryWarnings)
          .where(eq(expiryWarnings.credentialId, credentialId))
          .all()
          .map((r) => r.thresholdDays),
      ),
    async record(credentialId, thresholds, now) {
      inTransaction(db, (tx) => {
        for (const thresholdDays of thresholds)
          tx.insert(expiryWarnings).values({ credentialId, thresholdDays, sentAt: now }).onConflictDoNothing().run();
      });
    },
  };
}
