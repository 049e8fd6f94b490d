import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import { CredentialChangedError, type CredentialRepository } from '../store.js';
import type { PgDb } from './client.js';
import { credentials, deliveries, oauthStates, pendingCredentials, rotationAttempts } from './schema.js';
import type { Clock } from '../../domain/clock.js';
import { nextVersion } from '../engine-rules.js';
import { writeRotationCommit } from './rotations.js';
import {
  currentCredential,
  lastVersion,
  lockCredentialKey,
  markServedVersion,
  recordAudit,
  retireCredential,
  saveHealth,
  servedBy,
  writeOutbox,
} from './writers.js';

export function createPgCredentialRepository(db: PgDb, clock: Clock): CredentialRepository {
  return {
    current: (key) => currentCredential(db, key),
    byId: async (id) => (await db.select().from(credentials).where(eq(credentials.id, id)))[0],
    async commit(commit, now) {
      return db.transaction(async (tx) => {
        const key = commit.credential.credentialKey;
        // Two replicas committing for one key take turns: the second retires the first's.
        await lockCredentialKey(tx, key);
        const previous = await currentCredential(tx, key);
        if (commit.expectedCurrentId !== undefined && (previous?.id ?? null) !== commit.expectedCurrentId)
          throw new CredentialChangedError(key);
        const affected = await servedBy(tx, key);
        // Versions keep growing across retirements and key changes, so they never repeat for an integration.
        const version = nextVersion(await lastVersion(tx, key), affected);
        await retireCredential(tx, key, now);
        const [credential] = await tx
          .insert(credentials)
          .values({ ...commit.credential, version })
          .returning();
        if (!credential) throw new Error('the new credential was not stored');
        await markServedVersion(tx, affected, version);
        await writeRotationCommit(
          tx,
          commit.rotation,
          credential,
          commit.audit.integrationId ?? affected[0]?.id ?? '',
          now,
        );
        await writeOutbox(tx, commit.outbox, credential, affected, now);
        for (const integration of affected) await saveHealth(tx, { ...commit.health, integrationId: integration.id });
        await recordAudit(
          tx,
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
    async updateSealedSecret(id, sealed, expiresAt, outbox) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select({ key: credentials.credentialKey })
          .from(credentials)
          .where(eq(credentials.id, id));
        if (!row) return undefined;
        await lockCredentialKey(tx, row.key);
        const now = clock.now();
        const [current] = await tx
          .select()
          .from(credentials)
          .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)));
        if (!current) return undefined;
        const affected = await servedBy(tx, current.credentialKey);
        const version = nextVersion(current.version, affected);
        const [updated] = await tx
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
          .returning();
        if (!updated) return undefined;
        await markServedVersion(tx, affected, version);
        await writeOutbox(tx, outbox, updated, affected, now);
        return updated;
      });
    },
    async refreshFailed(id, failure) {
      await db
        .update(credentials)
        .set({ refreshRetryAt: failure.retryAt, refreshError: failure.reason })
        .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)));
    },
    async updateExpiry(id, expiresAt) {
      await db.update(credentials).set({ expiresAt }).where(eq(credentials.id, id));
    },
    listCurrentWithExpiry: () =>
      db
        .select()
        .from(credentials)
        .where(and(isNull(credentials.replacedAt), isNotNull(credentials.expiresAt))),
    async resealAll(reseal, auditOf, now) {
      return db.transaction(async (tx) => {
        const counts = { credentials: 0, oauthStates: 0, pendingCredentials: 0, deliveries: 0, rotationAnswers: 0 };
        for (const row of await tx
          .select()
          .from(credentials)
          .where(isNotNull(credentials.sealedSecret))
          .for('update')) {
          if (row.sealedSecret === null) continue;
          const sealed = reseal.credential({ ...row, sealedSecret: row.sealedSecret });
          if (!sealed) continue;
          await tx
            .update(credentials)
            .set({ sealedSecret: sealed.value, keyId: sealed.keyId })
            .where(eq(credentials.id, row.id));
          counts.credentials += 1;
        }
        for (const row of await tx
          .select()
          .from(oauthStates)
          .where(isNotNull(oauthStates.sealedVerifier))
          .for('update')) {
          if (row.sealedVerifier === null) continue;
          const sealed = reseal.oauthState({ ...row, sealedVerifier: row.sealedVerifier });
          if (!sealed) continue;
          await tx
            .update(oauthStates)
            .set({ sealedVerifier: sealed.value, keyId: sealed.keyId })
            .where(eq(oauthStates.stateHash, row.stateHash));
          counts.oauthStates += 1;
        }
        for (const row of await tx
          .select()
          .from(pendingCredentials)
          .where(isNotNull(pendingCredentials.sealed))
          .for('update')) {
          if (row.sealed === null) continue;
          const sealed = reseal.pending({ ...row, sealed: row.sealed });
          if (!sealed) continue;
          await tx
            .update(pendingCredentials)
            .set({ sealed: sealed.value, keyId: sealed.keyId })
            .where(eq(pendingCredentials.refHash, row.refHash));
          counts.pendingCredentials += 1;
        }
        for (const { row, credentialKey } of await tx
          .select({ row: deliveries, credentialKey: credentials.credentialKey })
          .from(deliveries)
          .innerJoin(credentials, eq(credentials.id, deliveries.credentialId))
          .where(isNotNull(deliveries.sealedCredential))) {
          if (row.sealedCredential === null) continue;
          const sealed = reseal.delivery({ ...row, sealedCredential: row.sealedCredential, credentialKey });
          if (!sealed) continue;
          await tx
            .update(deliveries)
            .set({ sealedCredential: sealed.value, keyId: sealed.keyId })
            .where(eq(deliveries.id, row.id));
          counts.deliveries += 1;
        }
        for (const row of await tx
          .select()
          .from(rotationAttempts)
          .where(isNotNull(rotationAttempts.sealedAnswer))
          .for('update')) {
          if (row.sealedAnswer === null) continue;
          const sealed = reseal.rotationAnswer({ ...row, sealedAnswer: row.sealedAnswer });
          if (!sealed) continue;
          await tx
            .update(rotationAttempts)
            .set({ sealedAnswer: sealed.value, answerKeyId: sealed.keyId })
            .where(eq(rotationAttempts.id, row.id));
          counts.rotationAnswers += 1;
        }
        await recordAudit(tx, auditOf(counts), now);
        return counts;
      });
    },
  };
}
