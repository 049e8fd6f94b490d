import { and, eq, isNotNull, isNull, max, sql } from 'drizzle-orm';
import type { Clock } from '../../domain/clock.js';
import type { Credential } from '../../domain/types.js';
import { CredentialChangedError, type CredentialRepository } from '../store.js';
import { createAuditWriter } from './audit.js';
import { createOutboxWriter } from './deliveries.js';
import { inTransaction, type Db } from './client.js';
import { createHealthWriter } from './health.js';
import { prepareServedBy } from './served-by.js';
import { credentials, deliveries, integrations, oauthStates, pendingCredentials, rotationAttempts } from './schema.js';
import { nextVersion } from '../engine-rules.js';
import { createRotationCommitWriter } from './rotations.js';

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
  return (credentialKey: string, now: Date): Credential | undefined =>
    retire.get({ now: now.getTime(), key: credentialKey });
}

/** The current credential of a key: prepared once per use. */
export function prepareCurrentCredential(db: Db) {
  return db
    .select()
    .from(credentials)
    .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
    .prepare();
}

/** Records the version each served integration now holds (the floor of its next one). */
export function createServedVersionWriter(db: Db) {
  const mark = db
    .update(integrations)
    .set({ credentialVersion: sql`max(${integrations.credentialVersion}, ${sql.placeholder('version')})` })
    .where(eq(integrations.id, sql.placeholder('id')))
    .prepare();
  return (served: readonly { id: string }[], version: number): void => {
    for (const integration of served) mark.run({ id: integration.id, version });
  };
}

export function createCredentialRepository(db: Db, clock: Clock): CredentialRepository {
  const current = prepareCurrentCredential(db);
  const served = prepareServedBy(db);
  const retire = createCredentialRetirer(db);
  const audit = createAuditWriter(db);
  const health = createHealthWriter(db);
  const outbox = createOutboxWriter(db);
  const markServed = createServedVersionWriter(db);
  const rotation = createRotationCommitWriter(db);
  const lastVersion = db
    .select({ version: max(credentials.version) })
    .from(credentials)
    .where(eq(credentials.credentialKey, sql.placeholder('key')))
    .prepare();

  return {
    current: async (key) => current.get({ key }) satisfies Credential | undefined,
    byId: async (id) => db.select().from(credentials).where(eq(credentials.id, id)).get(),
    async commit(commit, now) {
      return inTransaction(db, (tx) => {
        const key = commit.credential.credentialKey;
        const previous = current.get({ key });
        if (commit.expectedCurrentId !== undefined && (previous?.id ?? null) !== commit.expectedCurrentId)
          throw new CredentialChangedError(key);
        const affected = served.all({ key });
        // Versions keep growing across retirements and key changes, so they never repeat for an integration.
        const version = nextVersion(lastVersion.get({ key })?.version ?? 0, affected);
        retire(key, now);
        const credential = tx
          .insert(credentials)
          .values({ ...commit.credential, version })
          .returning()
          .get();
        markServed(affected, version);
        rotation(commit.rotation, credential, commit.audit.integrationId ?? affected[0]?.id ?? '', now);
        outbox(commit.outbox, credential, affected, now);
        for (const integration of affected) health.save({ ...commit.health, integrationId: integration.id });
        audit.record(
          {
            ...commit.audit,
            detail: {
              ...commit.audit.detail,
              previous: previous?.fingerprints ?? [],
              served: affected.map((a) => a.id),
            },
          },
          now,
        );
        return { credential, affected, previous };
      });
    },
    async updateSealedSecret(id, sealed, expiresAt, outboxWrite) {
      return inTransaction(db, () => {
        const now = clock.now();
        const row = db
          .select()
          .from(credentials)
          .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)))
          .get();
        if (!row) return undefined;
        const affected = served.all({ key: row.credentialKey });
        const version = nextVersion(row.version, affected);
        const updated = db
          .update(credentials)
          .set({
            sealedSecret: sealed.value,
            keyId: sealed.keyId,
            version,
            updatedAt: now,
            refreshRetryAt: null,
            refreshError: null,
            ...(expiresAt === undefined ? {} : { expiresAt }),
          })
          .where(eq(credentials.id, id))
          .returning()
          .get();
        if (!updated) return undefined;
        markServed(affected, version);
        outbox(outboxWrite, updated, affected, now);
        return updated;
      });
    },
    async refreshFailed(id, failure) {
      db.update(credentials)
        .set({ refreshRetryAt: failure.retryAt, refreshError: failure.reason })
        .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)))
        .run();
    },
    async updateExpiry(id, expiresAt) {
      db.update(credentials).set({ expiresAt }).where(eq(credentials.id, id)).run();
    },
    listCurrentWithExpiry: async () =>
      db
        .select()
        .from(credentials)
        .where(and(isNull(credentials.replacedAt), isNotNull(credentials.expiresAt)))
        .all(),
    async resealAll(reseal, auditOf, now) {
      return inTransaction(db, (tx) => {
        const counts = { credentials: 0, oauthStates: 0, pendingCredentials: 0, deliveries: 0, rotationAnswers: 0 };
        for (const row of tx.select().from(credentials).where(isNotNull(credentials.sealedSecret)).all()) {
          if (row.sealedSecret === null) continue;
          const sealed = reseal.credential({ ...row, sealedSecret: row.sealedSecret });
          if (!sealed) continue;
          tx.update(credentials)
            .set({ sealedSecret: sealed.value, keyId: sealed.keyId })
            .where(eq(credentials.id, row.id))
            .run();
          counts.credentials += 1;
        }
        for (const row of tx.select().from(oauthStates).where(isNotNull(oauthStates.sealedVerifier)).all()) {
          if (row.sealedVerifier === null) continue;
          const sealed = reseal.oauthState({ ...row, sealedVerifier: row.sealedVerifier });
          if (!sealed) continue;
          tx.update(oauthStates)
            .set({ sealedVerifier: sealed.value, keyId: sealed.keyId })
            .where(eq(oauthStates.stateHash, row.stateHash))
            .run();
          counts.oauthStates += 1;
        }
        for (const row of tx.select().from(pendingCredentials).where(isNotNull(pendingCredentials.sealed)).all()) {
          if (row.sealed === null) continue;
          const sealed = reseal.pending({ ...row, sealed: row.sealed });
          if (!sealed) continue;
          tx.update(pendingCredentials)
            .set({ sealed: sealed.value, keyId: sealed.keyId })
            .where(eq(pendingCredentials.refHash, row.refHash))
            .run();
          counts.pendingCredentials += 1;
        }
        for (const { row, credentialKey } of tx
          .select({ row: deliveries, credentialKey: credentials.credentialKey })
          .from(deliveries)
          .innerJoin(credentials, eq(credentials.id, deliveries.credentialId))
          .where(isNotNull(deliveries.sealedCredential))
          .all()) {
          if (row.sealedCredential === null) continue;
          const sealed = reseal.delivery({ ...row, sealedCredential: row.sealedCredential, credentialKey });
          if (!sealed) continue;
          tx.update(deliveries)
            .set({ sealedCredential: sealed.value, keyId: sealed.keyId })
            .where(eq(deliveries.id, row.id))
            .run();
          counts.deliveries += 1;
        }
        for (const row of tx.select().from(rotationAttempts).where(isNotNull(rotationAttempts.sealedAnswer)).all()) {
          if (row.sealedAnswer === null) continue;
          const sealed = reseal.rotationAnswer({ ...row, sealedAnswer: row.sealedAnswer });
          if (!sealed) continue;
          tx.update(rotationAttempts)
            .set({ sealedAnswer: sealed.value, answerKeyId: sealed.keyId })
            .where(eq(rotationAttempts.id, row.id))
            .run();
          counts.rotationAnswers += 1;
        }
        audit.record(auditOf(counts), now);
        return counts;
      });
    },
  };
}
