import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { prepared } from '../prepared.js';
import type { Db } from '../client.js';
import { credentials } from '../schema.js';

export type CredentialRow = typeof credentials.$inferSelect;
export type NewCredential = Omit<typeof credentials.$inferInsert, 'id' | 'replacedAt'>;

export function currentCredential(db: Pick<Db, 'select'>, credentialKey: string): CredentialRow | undefined {
  return prepared(db, 'currentCredential', () =>
    db
      .select()
      .from(credentials)
      .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
      .prepare(),
  ).get({ key: credentialKey });
}

/**
 * Retires the current credential for a key: keeps its metadata for history, erases the sealed secret.
 * Returns the retired row, if there was one.
 */
export function retireCredential(db: Pick<Db, 'update'>, credentialKey: string, now: Date): CredentialRow | undefined {
  return prepared(db, 'retireCredential', () =>
    db
      .update(credentials)
      .set({ replacedAt: sql`${sql.placeholder('now')}`, sealedSecret: null, keyId: null })
      .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
      .returning()
      .prepare(),
  ).get({ now: now.getTime(), key: credentialKey }); // epoch ms, as the timestamp_ms column stores it
}

/** Retires the current credential and inserts the new one. Call inside a transaction. */
export function swapCredential(db: Pick<Db, 'update' | 'insert'>, next: NewCredential, now: Date): CredentialRow {
  retireCredential(db, next.credentialKey, now);
  return db.insert(credentials).values(next).returning().get();
}

/** Every credential that still holds a sealed secret (for key rotation). */
export function listSealedCredentials(db: Pick<Db, 'select'>): CredentialRow[] {
  return db.select().from(credentials).where(isNotNull(credentials.sealedSecret)).all();
}

/** Re-sealed or renewed secret material for the same credential (key rotation, an OAuth refresh). */
export function updateSealedSecret(db: Pick<Db, 'update'>, id: number, sealedSecret: string, keyId: string, expiresAt?: Date | null): void {
  db.update(credentials)
    .set({ sealedSecret, keyId, ...(expiresAt === undefined ? {} : { expiresAt }) })
    .where(eq(credentials.id, id))
    .run();
}

/** The provider may report a new expiry (a token edited or renewed in place). */
export function updateCredentialExpiry(db: Pick<Db, 'update'>, id: number, expiresAt: Date | null): void {
  db.update(credentials).set({ expiresAt }).where(eq(credentials.id, id)).run();
}
