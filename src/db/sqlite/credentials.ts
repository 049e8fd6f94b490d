import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Credential } from '../../domain/types.js';
import type { CredentialRepository } from '../store.js';
import { createAuditWriter } from './audit.js';
import type { Db } from './client.js';
import { createHealthWriter } from './health.js';
import { prepareServedBy } from './served-by.js';
import { credentials, oauthStates } from './schema.js';

/**
 * Retires the current credential for a key: keeps its metadata for history, erases the sealed
 * secret. Synchronous, so it runs inside a transaction. Returns the retired row, if there was one.
 */
export function createCredentialRetirer(db: Db) {
  const retire = db
    .update(credentials)
    .set({ replacedAt: sql`${sql.placeholder('now')}`, sealedSecret: null, keyId: null })
    .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
    .returning()
    .prepare();
  // epoch ms, as the timestamp_ms column stores it
  return (credentialKey: string, now: Date): Credential | undefined => retire.get({ now: now.getTime(), key: credentialKey });
}

/** The current credential of a key: prepared once per use. */
export function prepareCurrentCredential(db: Db) {
  return db
    .select()
    .from(credentials)
    .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
    .prepare();
}

export function createCredentialRepository(db: Db): CredentialRepository {
  const current = prepareCurrentCredential(db);
  const served = prepareServedBy(db);
  const retire = createCredentialRetirer(db);
  const audit = createAuditWriter(db);
  const health = createHealthWriter(db);

  return {
    current: async (key) => current.get({ key }) satisfies Credential | undefined,
    async commit(commit, now) {
      return db.transaction((tx) => {
        const key = commit.credential.credentialKey;
        const previous = current.get({ key });
        const affected = served.all({ key });
        retire(key, now);
        const credential = tx.insert(credentials).values(commit.credential).returning().get();
        for (const integration of affected) health.save({ ...commit.health, integrationId: integration.id });
        audit.record({ ...commit.audit, detail: { ...commit.audit.detail, previous: previous?.fingerprints ?? [], served: affected.map((a) => a.id) } }, now);
        return { credential, affected, previous };
      });
    },
    async updateSealedSecret(id, sealed, expiresAt) {
      const result = db
        .update(credentials)
        .set({ sealedSecret: sealed.value, keyId: sealed.keyId, ...(expiresAt === undefined ? {} : { expiresAt }) })
        .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)))
        .run();
      return result.changes === 1;
    },
    async updateExpiry(id, expiresAt) {
      db.update(credentials).set({ expiresAt }).where(eq(credentials.id, id)).run();
    },
    listCurrentWithExpiry: async () => db.select().from(credentials).where(and(isNull(credentials.replacedAt), isNotNull(credentials.expiresAt))).all(),
    async resealAll(reseal, auditOf, now) {
      return db.transaction((tx) => {
        const counts = { credentials: 0, oauthStates: 0 };
        for (const row of tx.select().from(credentials).where(isNotNull(credentials.sealedSecret)).all()) {
          if (row.sealedSecret === null) continue;
          const sealed = reseal.credential({ ...row, sealedSecret: row.sealedSecret });
          if (!sealed) continue;
          tx.update(credentials).set({ sealedSecret: sealed.value, keyId: sealed.keyId }).where(eq(credentials.id, row.id)).run();
          counts.credentials += 1;
        }
        for (const row of tx.select().from(oauthStates).where(isNotNull(oauthStates.sealedVerifier)).all()) {
          if (row.sealedVerifier === null) continue;
          const sealed = reseal.oauthState({ ...row, sealedVerifier: row.sealedVerifier });
          if (!sealed) continue;
          tx.update(oauthStates).set({ sealedVerifier: sealed.value, keyId: sealed.keyId }).where(eq(oauthStates.stateHash, row.stateHash)).run();
          counts.oauthStates += 1;
        }
        audit.record(auditOf(counts), now);
        return counts;
      });
    },
  };
}
