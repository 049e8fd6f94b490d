import { and, eq, isNull, lt } from 'drizzle-orm';
import { refusalNotedOnce } from '../engine-rules.js';
import type { OAuthStateRepository } from '../store.js';
import { type Dialect, wroteOne } from './dialect.js';

const DAY_MS = 24 * 3600 * 1000;

/** OAuth link-out states: started once, used once, forgotten a day after they expired. */
export function createOAuthStateRepository({ db, tables }: Dialect): OAuthStateRepository {
  const { oauthStates } = tables;
  const thisState = (stateHash: string) => eq(oauthStates.stateHash, stateHash);
  return {
    async insert(state) {
      await db.insert(oauthStates).values(state);
    },
    find: async (stateHash) => (await db.select().from(oauthStates).where(thisState(stateHash)).limit(1))[0],
    markUsed: async (stateHash, now) =>
      wroteOne(
        db
          .update(oauthStates)
          .set({ usedAt: now, sealedVerifier: null })
          .where(and(thisState(stateHash), isNull(oauthStates.usedAt))),
      ),
    markStarted: async (stateHash, now) =>
      wroteOne(
        db
          .update(oauthStates)
          .set({ startedAt: now })
          .where(and(thisState(stateHash), isNull(oauthStates.startedAt), isNull(oauthStates.usedAt))),
      ),
    async noteRefusal(stateHash, outcome) {
      const once = refusalNotedOnce(oauthStates.refusalsAudited, outcome);
      return wroteOne(
        db
          .update(oauthStates)
          .set({ refusalsAudited: once.set })
          .where(and(thisState(stateHash), once.where)),
      );
    },
    async prune(now) {
      await db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date(now.getTime() - DAY_MS)));
    },
  };
}
