import { eq } from 'drizzle-orm';
import type { ExpiryWarningRepository } from '../store.js';
import type { Dialect } from './dialect.js';

/** The expiry warnings already sent for a credential: each threshold once. */
export function createExpiryWarningRepository({ db, tables }: Dialect): ExpiryWarningRepository {
  const { expiryWarnings } = tables;
  return {
    warnedThresholds: async (credentialId) =>
      new Set(
        (await db.select().from(expiryWarnings).where(eq(expiryWarnings.credentialId, credentialId))).map(
          (r) => r.thresholdDays,
        ),
      ),
    async record(credentialId, thresholds, now) {
      if (thresholds.length === 0) return;
      // One statement: every threshold or none.
      await db
        .insert(expiryWarnings)
        .values(thresholds.map((thresholdDays) => ({ credentialId, thresholdDays, sentAt: now })))
        .onConflictDoNothing();
    },
  };
}
