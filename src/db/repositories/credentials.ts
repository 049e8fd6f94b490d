import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Clock } from '../../domain/clock.js';
import { nextVersion } from '../engine-rules.js';
import { CredentialChangedError, type CredentialRepository, type ResealCounts } from '../store.js';
import type { Dialect, SharedDb } from './dialect.js';
import { writeRotationCommit } from './rotations.js';

/**
 * Credentials, one current version per key: every change is one transaction — the previous version
 * retired, the new one stored, the versions its integrations hold, a rotation's attempt closed, the
 * outbox rows, health and the audit row — and changes to one key take turns across processes.
 */
export function createCredentialRepository(dialect: Dialect, clock: Clock): CredentialRepository {
  const { db, tables: t, transaction, lockKey, forUpdate, writers: w } = dialect;
  const { credentials, oauthStates, pendingCredentials, deliveries, rotationAttempts } = t;

  /** Re-seals every sealed value of one table under the current key, its rows locked until the commit. */
  async function resealTable<Row, Sealed extends { value: string; keyId: string }>(
    rows: Promise<Row[]>,
    reseal: (row: Row) => Sealed | undefined,
    write: (row: Row, sealed: Sealed) => Promise<unknown>,
  ): Promise<number> {
    let count = 0;
    for (const row of await rows) {
      const sealed = reseal(row);
      if (!sealed) continue;
      await write(row, sealed);
      count += 1;
    }
    return count;
  }

  return {
    current: (key) => w.currentCredential(db, key),
    byId: async (id) => (await db.select().from(credentials).where(eq(credentials.id, id)).limit(1))[0],
    commit: (commit, now) =>
      transaction(async (tx) => {
        const key = commit.credential.credentialKey;
        // Two processes committing for one key take turns: the second retires the first's.
        await lockKey(tx, key);
        const previous = await w.currentCredential(tx, key);
        if (commit.expectedCurrentId !== undefined && (previous?.id ?? null) !== commit.expectedCurrentId)
          throw new CredentialChangedError(key);
        const affected = await w.servedBy(tx, key);
        // Versions keep growing across retirements and key changes, so they never repeat for an integration.
        const version = nextVersion(await w.lastVersion(tx, key), affected);
        await w.retireCredential(tx, key, now);
        const [credential] = await tx
          .insert(credentials)
          .values({ ...commit.credential, version })
          .returning();
        if (!credential) throw new Error('the new credential was not stored');
        await w.markServedVersion(tx, affected, version);
        await writeRotationCommit(
          tx,
          t,
          commit.rotation,
          credential,
          commit.audit.integrationId ?? affected[0]?.id ?? '',
          now,
        );
        await w.writeOutbox(tx, commit.outbox, credential, affected, now);
        for (const integration of affected) await w.saveHealth(tx, { ...commit.health, integrationId: integration.id });
        await w.insertAuditRow(
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
      }),
    updateSealedSecret: (id, sealed, expiresAt, outbox) =>
      transaction(async (tx) => {
        const [row] = await tx
          .select({ key: credentials.credentialKey })
          .from(credentials)
          .where(eq(credentials.id, id))
          .limit(1);
        if (!row) return undefined;
        await lockKey(tx, row.key);
        const now = clock.now();
        const [current] = await tx
          .select()
          .from(credentials)
          .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)))
          .limit(1);
        if (!current) return undefined;
        const affected = await w.servedBy(tx, current.credentialKey);
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
        await w.markServedVersion(tx, affected, version);
        await w.writeOutbox(tx, outbox, updated, affected, now);
        return updated;
      }),
    async refreshFailed(id, failure) {
      await db
        .update(credentials)
        .set({ refreshRetryAt: failure.retryAt, refreshError: failure.reason })
        .where(and(eq(credentials.id, id), isNull(credentials.replacedAt)));
    },
    async updateExpiry(id, expiresAt) {
      await db.update(credentials).set({ expiresAt }).where(eq(credentials.id, id));
    },
    async markRetired(id, retirement) {
      const marked = await db
        .update(credentials)
        .set({ retiredByVendor: retirement })
        .where(and(eq(credentials.id, id), isNull(credentials.retiredByVendor)))
        .returning({ id: credentials.id });
      return marked.length > 0;
    },
    listCurrentWithExpiry: async () =>
      db
        .select()
        .from(credentials)
        .where(and(isNull(credentials.replacedAt), isNotNull(credentials.expiresAt))),
    // Every sealed value under the current key, in one transaction that locks each table's rows it reads.
    resealAll: (reseal, auditOf, now) =>
      transaction(async (tx: SharedDb) => {
        const counts: ResealCounts = {
          credentials: await resealTable(
            forUpdate(tx.select().from(credentials).where(isNotNull(credentials.sealedSecret))),
            (row) =>
              row.sealedSecret === null ? undefined : reseal.credential({ ...row, sealedSecret: row.sealedSecret }),
            (row, sealed) =>
              tx
                .update(credentials)
                .set({ sealedSecret: sealed.value, keyId: sealed.keyId })
                .where(eq(credentials.id, row.id)),
          ),
          oauthStates: await resealTable(
            forUpdate(tx.select().from(oauthStates).where(isNotNull(oauthStates.sealedVerifier))),
            (row) =>
              row.sealedVerifier === null
                ? undefined
                : reseal.oauthState({ ...row, sealedVerifier: row.sealedVerifier }),
            (row, sealed) =>
              tx
                .update(oauthStates)
                .set({ sealedVerifier: sealed.value, keyId: sealed.keyId })
                .where(eq(oauthStates.stateHash, row.stateHash)),
          ),
          pendingCredentials: await resealTable(
            forUpdate(tx.select().from(pendingCredentials).where(isNotNull(pendingCredentials.sealed))),
            (row) => (row.sealed === null ? undefined : reseal.pending({ ...row, sealed: row.sealed })),
            (row, sealed) =>
              tx
                .update(pendingCredentials)
                .set({ sealed: sealed.value, keyId: sealed.keyId })
                .where(eq(pendingCredentials.refHash, row.refHash)),
          ),
          deliveries: await resealTable(
            forUpdate(
              tx
                .select({ row: deliveries, credentialKey: credentials.credentialKey })
                .from(deliveries)
                .innerJoin(credentials, eq(credentials.id, deliveries.credentialId))
                .where(isNotNull(deliveries.sealedCredential)),
              { of: deliveries },
            ),
            ({ row, credentialKey }) =>
              row.sealedCredential === null
                ? undefined
                : reseal.delivery({ ...row, sealedCredential: row.sealedCredential, credentialKey }),
            ({ row }, sealed) =>
              tx
                .update(deliveries)
                .set({ sealedCredential: sealed.value, keyId: sealed.keyId })
                .where(eq(deliveries.id, row.id)),
          ),
          rotationAnswers: await resealTable(
            forUpdate(tx.select().from(rotationAttempts).where(isNotNull(rotationAttempts.sealedAnswer))),
            (row) =>
              row.sealedAnswer === null ? undefined : reseal.rotationAnswer({ ...row, sealedAnswer: row.sealedAnswer }),
            (row, sealed) =>
              tx
                .update(rotationAttempts)
                .set({ sealedAnswer: sealed.value, answerKeyId: sealed.keyId })
                .where(eq(rotationAttempts.id, row.id)),
          ),
        };
        await w.insertAuditRow(tx, auditOf(counts), now);
        return counts;
      }),
  };
}
