import { and, eq, isNull, lt } from 'drizzle-orm';
import type { OAuthState } from '../../domain/types.js';
import { refusalNotedOnce } from '../engine-rules.js';
import type { OAuthStateRepository } from '../store.js';
import type { Db } from './client.js';
import { oauthStates } from './schema.js';

export function createOAuthStateRepository(db: Db): OAuthStateRepository {
  return {
    async insert(state) {
      db.insert(oauthStates).values(state).run();
    },
    find: async (stateHash) =>
      db.select().from(oauthStates).where(eq(oauthStates.stateHash, stateHash)).get() satisfies OAuthState | undefined,
    async markUsed(stateHash, now) {
      const result = db
        .update(oauthStates)
        .set({ usedAt: now, sealedVerifier: null })
        .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.usedAt)))
        .run();
      return result.changes === 1;
    },
    async markStarted(stateHash, now) {
      const result = db
        .update(oauthStates)
        .set({ startedAt: now })
        .where(and(eq(oauthStates.stateHash, stateHash), isNull(oauthStates.startedAt), isNull(oauthStates.usedAt)))
        .run();
      return result.changes === 1;
    },
    async noteRefusal(stateHash, outcome) {
      const once = refusalNotedOnce(oauthStates.refusalsAudited, outcome);
      return (
        db
          .update(oauthStates)
          .set({ refusalsAudited: once.set })
          .where(and(eq(oauthStates.stateHash, stateHash), once.where))
          .run().changes === 1
      );
    },
    async prune(now) {
      db.delete(oauthStates)
        .where(lt(oauthStates.expiresAt, new Date(now.getTime() - 24 * 3600 * 1000)))
        .run();
    },
  };
}
