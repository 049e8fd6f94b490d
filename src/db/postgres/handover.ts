import { and, eq, isNull, lt, lte, or } from 'drizzle-orm';
import { refusalNotedOnce } from '../engine-rules.js';
import type { PendingCredentialRepository, SecretFormRepository } from '../store.js';
import type { PgDb } from './client.js';
import { pendingCredentials, secretForms } from './schema.js';

const DAY_MS = 24 * 3600 * 1000;

export function createPgSecretFormRepository(db: PgDb): SecretFormRepository {
  return {
    insert: async (form) =>
      (await db.insert(secretForms).values(form).onConflictDoNothing().returning({ linkHash: secretForms.linkHash }))
        .length === 1,
    find: async (linkHash) => (await db.select().from(secretForms).where(eq(secretForms.linkHash, linkHash)))[0],
    async bindBrowser(linkHash, browserHash, now) {
      const result = await db
        .update(secretForms)
        .set({ browserHash, openedAt: now })
        .where(and(eq(secretForms.linkHash, linkHash), isNull(secretForms.browserHash), isNull(secretForms.usedAt)));
      return result.rowCount === 1;
    },
    async markUsed(linkHash, now) {
      return (
        (
          await db
            .update(secretForms)
            .set({ usedAt: now })
            .where(and(eq(secretForms.linkHash, linkHash), isNull(secretForms.usedAt)))
        ).rowCount === 1
      );
    },
    async claim(linkHash, now, until) {
      const result = await db
        .update(secretForms)
        .set({ claimedUntil: until })
        .where(
          and(
            eq(secretForms.linkHash, linkHash),
            isNull(secretForms.usedAt),
            or(isNull(secretForms.claimedUntil), lte(secretForms.claimedUntil, now)),
          ),
        );
      return result.rowCount === 1;
    },
    async unclaim(linkHash) {
      await db.update(secretForms).set({ claimedUntil: null }).where(eq(secretForms.linkHash, linkHash));
    },
    async noteRefusal(linkHash, outcome) {
      const once = refusalNotedOnce(secretForms.refusalsAudited, outcome);
      const result = await db
        .update(secretForms)
        .set({ refusalsAudited: once.set })
        .where(and(eq(secretForms.linkHash, linkHash), once.where));
      return result.rowCount === 1;
    },
    async prune(now) {
      await db.delete(secretForms).where(lt(secretForms.expiresAt, new Date(now.getTime() - DAY_MS)));
    },
  };
}

export function createPgPendingCredentialRepository(db: PgDb): PendingCredentialRepository {
  return {
    async put(pending) {
      const { refHash, ...rest } = pending;
      await db
        .insert(pendingCredentials)
        .values({ ...pending, usedAt: null })
        .onConflictDoUpdate({ target: pendingCredentials.refHash, set: { ...rest, usedAt: null } });
    },
    find: async (refHash) =>
      (await db.select().from(pendingCredentials).where(eq(pendingCredentials.refHash, refHash)))[0],
    async markUsed(refHash, now) {
      const result = await db
        .update(pendingCredentials)
        .set({ usedAt: now, sealed: null, keyId: null })
        .where(and(eq(pendingCredentials.refHash, refHash), isNull(pendingCredentials.usedAt)));
      return result.rowCount === 1;
    },
    async prune(now) {
      await db
        .update(pendingCredentials)
        .set({ sealed: null, keyId: null })
        .where(lt(pendingCredentials.expiresAt, now));
      await db.delete(pendingCredentials).where(lt(pendingCredentials.expiresAt, new Date(now.getTime() - DAY_MS)));
    },
  };
}
