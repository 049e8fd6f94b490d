import { and, eq, isNull, lt, lte, or } from 'drizzle-orm';
import { refusalNotedOnce } from '../engine-rules.js';
import type { PendingCredentialRepository, SecretFormRepository } from '../store.js';
import { type Dialect, wroteOne } from './dialect.js';

const DAY_MS = 24 * 3600 * 1000;

/** Links to the secret-entry page: stored when first opened, bound to one browser, used once. */
export function createSecretFormRepository({ db, tables }: Dialect): SecretFormRepository {
  const { secretForms } = tables;
  const thisLink = (linkHash: string) => eq(secretForms.linkHash, linkHash);
  return {
    insert: async (form) => wroteOne(db.insert(secretForms).values(form).onConflictDoNothing()),
    find: async (linkHash) => (await db.select().from(secretForms).where(thisLink(linkHash)).limit(1))[0],
    bindBrowser: async (linkHash, browserHash, now) =>
      wroteOne(
        db
          .update(secretForms)
          .set({ browserHash, openedAt: now })
          .where(and(thisLink(linkHash), isNull(secretForms.browserHash), isNull(secretForms.usedAt))),
      ),
    markUsed: async (linkHash, now) =>
      wroteOne(
        db
          .update(secretForms)
          .set({ usedAt: now })
          .where(and(thisLink(linkHash), isNull(secretForms.usedAt))),
      ),
    claim: async (linkHash, now, until) =>
      wroteOne(
        db
          .update(secretForms)
          .set({ claimedUntil: until })
          .where(
            and(
              thisLink(linkHash),
              isNull(secretForms.usedAt),
              or(isNull(secretForms.claimedUntil), lte(secretForms.claimedUntil, now)),
            ),
          ),
      ),
    async unclaim(linkHash) {
      await db.update(secretForms).set({ claimedUntil: null }).where(thisLink(linkHash));
    },
    async noteRefusal(linkHash, outcome) {
      const once = refusalNotedOnce(secretForms.refusalsAudited, outcome);
      return wroteOne(
        db
          .update(secretForms)
          .set({ refusalsAudited: once.set })
          .where(and(thisLink(linkHash), once.where)),
      );
    },
    async prune(now) {
      await db.delete(secretForms).where(lt(secretForms.expiresAt, new Date(now.getTime() - DAY_MS)));
    },
  };
}

/** Credentials of another account awaiting a confirmation: erased when their 10 minutes end. */
export function createPendingCredentialRepository({ db, tables }: Dialect): PendingCredentialRepository {
  const { pendingCredentials } = tables;
  return {
    async put(pending) {
      const { refHash, ...rest } = pending;
      await db
        .insert(pendingCredentials)
        .values({ ...pending, usedAt: null })
        .onConflictDoUpdate({ target: pendingCredentials.refHash, set: { ...rest, usedAt: null } });
    },
    find: async (refHash) =>
      (await db.select().from(pendingCredentials).where(eq(pendingCredentials.refHash, refHash)).limit(1))[0],
    markUsed: async (refHash, now) =>
      wroteOne(
        db
          .update(pendingCredentials)
          .set({ usedAt: now, sealed: null, keyId: null })
          .where(and(eq(pendingCredentials.refHash, refHash), isNull(pendingCredentials.usedAt))),
      ),
    async prune(now) {
      await db
        .update(pendingCredentials)
        .set({ sealed: null, keyId: null })
        .where(lt(pendingCredentials.expiresAt, now));
      await db.delete(pendingCredentials).where(lt(pendingCredentials.expiresAt, new Date(now.getTime() - DAY_MS)));
    },
  };
}
