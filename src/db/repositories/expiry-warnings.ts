import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from '../client.js';
import { credentials, expiryWarnings } from '../schema.js';

export function currentCredentialsWithExpiry(db: Db) {
  return db.select().from(credentials).where(and(isNull(credentials.replacedAt), isNotNull(credentials.expiresAt))).all();
}

export function warnedThresholds(db: Db, credentialId: number): Set<number> {
  return new Set(db.select().from(expiryWarnings).where(eq(expiryWarnings.credentialId, credentialId)).all().map((r) => r.thresholdDays));
}

export function recordWarnings(db: Db, credentialId: number, thresholds: readonly number[], now: Date): void {
  for (const thresholdDays of thresholds) {
    db.insert(expiryWarnings).values({ credentialId, thresholdDays, sentAt: now }).onConflictDoNothing().run();
  }
}
