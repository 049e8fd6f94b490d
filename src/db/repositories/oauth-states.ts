import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { oauthStates } from '../schema.js';

export type OAuthStateRow = typeof oauthStates.$inferSelect;

export function insertOAuthState(db: Db, row: typeof oauthStates.$inferInsert): void {
  db.insert(oauthStates).values(row).run();
}

export function findOAuthState(db: Db, stateHash: string): OAuthStateRow | undefined {
  return db.select().from(oauthStates).where(eq(oauthStates.stateHash, stateHash)).get();
}

/** Marks a state used; true only for the one caller that used it first. */
export function markOAuthStateUsed(db: Db, stateHash: string, now: Date): boolean {
  const result = db
    .update(oauthStates)
    .set({ usedAt: now, sealedVerifier: null })
    .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.usedAt)))
    .run();
  return result.changes === 1;
}

/** Forgets states that expired more than a day ago. */
export function pruneOAuthStates(db: Db, now: Date): void {
  db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date(now.getTime() - 24 * 3600 * 1000))).run();
}

/** Marks the link-out opened; true only for the first browser to open it. */
export function markOAuthStateStarted(db: Db, stateHash: string, now: Date): boolean {
  const result = db
    .update(oauthStates)
    .set({ startedAt: now })
    .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.startedAt), isNull(oauthStates.usedAt)))
    .run();
  return result.changes === 1;
}
