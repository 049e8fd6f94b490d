import { and, eq, isNull, lt, lte, or } from 'drizzle-orm';
import { refusalNotedOnce } from '../engine-rules.js';
import type { PendingCredentialRepository, SecretFormRepository } from '../store.js';
import type { Db } from './client.js';
import { pendingCredentials, secretForms } from './schema.js';

const DAY_MS = 24 * 3600 * 1000;

export function createSecretFormRepository(db: Db): SecretFormRepository {
  return {
    insert: async (form) => db.insert(secretForms).values(form).onConflictDoNothing().run().changes === 1,
    find: async (linkHash) => db.select().from(secretForms).where(eq(secretForms.linkHash, linkHash)).get(),
    async bindBrowser(linkHash, browserHash, now) {
      const result = db
        .update(secretForms)
        .set({ browserHash, openedAt: now })
        .where(and(eq(secretForms.linkHash, linkHash), isNull(secretForms.browserHash), isNull(secretForms.usedAt)))
        .run();
      return result.changes === 1;
    },
    async markUsed(linkHash, now) {
      return (
        db
          .update(secretForms)
          .set({ usedAt: now })
          .where(and(eq(secretForms.linkHash, linkHash), isNull(secretForms.usedAt)))
          .run().changes === 1
      );
    },
    async claim(linkHash, now, until) {
      return (
        db
          .update(secretForms)
          .set({ claimedUntil: until })
          .where(
            and(
              eq(secretForms.linkHash, linkHash),
              isNull(secretForms.usedAt),
              or(isNull(secretForms.claimedUntil), lte(secretForms.claimedUntil, now)),
            ),
          )
          .run().changes === 1
      );
    },
    async unclaim(linkHash) {
      db.update(secretForms).set({ claimedUntil: null }).where(eq(secretForms.linkHash, linkHash)).run();
    },
    async noteRefusal(linkHash, outcome) {
      const once = refusalNotedOnce(secretForms.refusalsAudited, outcome);
      return (
        db
          .update(secretForms)
          .set({ refusalsAudited: once.set })
          .where(and(eq(secretForms.linkHash, linkHash), once.where))
          .run().changes === 1
      );
    },
    async prune(now) {
      db.delete(secretForms)
        .where(lt(secretForms.expiresAt, new Date(now.getTime() - DAY_MS)))
        .run();
    },
  };
}

export function createPendingCredentialRepository(db: Db): PendingCredentialRepository {
  return {
    async put(pending) {
      const { refHash, ...rest } = pending;
      db.insert(pendingCredentials)
        .values({ ...pending, usedAt: null })
        .onConflictDoUpdate({ target: pendingCredentials.refHash, set: { ...rest, usedAt: null } })
        .run();
    },
    find: async (refHash) => db.select().from(pendingCredentials).where(eq(pendingCredentials.refHash, refHash)).get(),
    async markUsed(refHash, now) {
      const result = db
        .update(pendingCredentials)
        .set({ usedAt: now, sealed: null, keyId: null })
        .where(and(eq(pendingCredentials.refHash, refHash), isNull(pendingCredentials.usedAt)))
        .run();
      return result.changes === 1;
    },
    async prune(now) {
      db.update(pendingCredentials)
        .set({ sealed: null, keyId: null })
        .where(lt(pendingCredentials.expiresAt, now))
        .run();
      db.delete(pendingCredentials)
        .where(lt(pendingCredentials.expiresAt, new Date(now.getTime() - DAY_MS)))
        .run();
    },
  };
}
