import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Credential } from '../../domain/types.js';
import { authTypeChangeAudit, credentialFits, retiredByCatalogue } from '../engine-rules.js';
import type { IntegrationRepository } from '../store.js';
import { CATALOGUE_SYNC_LOCK, type Dialect, wroteOne } from './dialect.js';

/** The integrations of integrations.yml as last synced, archived ones kept. */
export function createIntegrationRepository(dialect: Dialect): IntegrationRepository {
  const { db, tables: t, transaction, lockKey, writers } = dialect;
  const { integrations } = t;
  return {
    listActive: async () =>
      db.select().from(integrations).where(isNull(integrations.archivedAt)).orderBy(asc(integrations.id)),
    listAll: async () => db.select().from(integrations).orderBy(asc(integrations.id)),
    findActive: async (id) =>
      (
        await db
          .select()
          .from(integrations)
          .where(and(eq(integrations.id, id), isNull(integrations.archivedAt)))
          .limit(1)
      )[0],
    listByCredentialKey: (key) => writers.servedBy(db, key),
    listByIds: async (ids) =>
      ids.length === 0
        ? []
        : db
            .select()
            .from(integrations)
            .where(inArray(integrations.id, [...ids]))
            .orderBy(asc(integrations.id)),
    applySync: (plan, now) =>
      transaction(
        async (tx) => {
          // Another process (a replica, the server's start-up, a CLI command) may have applied the same
          // file a moment ago: what is already there is skipped.
          const existing = new Set((await tx.select({ id: integrations.id }).from(integrations)).map((r) => r.id));
          for (const add of plan.add) {
            if (existing.has(add.id)) continue;
            await tx.insert(integrations).values({ id: add.id, ...add.values, createdAt: now, updatedAt: now });
            await writers.saveHealth(tx, {
              integrationId: add.id,
              status: 'unknown',
              reason: 'Not checked yet.',
              consecutiveFailures: 0,
            });
            await writers.insertAuditRow(tx, add.audit, now);
          }
          for (const update of plan.update) {
            await tx
              .update(integrations)
              .set({ ...update.values, archivedAt: null, updatedAt: now })
              .where(eq(integrations.id, update.id));
            for (const entry of update.audits) await writers.insertAuditRow(tx, entry, now);
          }
          for (const archive of plan.archive) {
            const archived = await wroteOne(
              tx
                .update(integrations)
                .set({ archivedAt: now, updatedAt: now })
                .where(and(eq(integrations.id, archive.id), isNull(integrations.archivedAt))),
            );
            if (archived) await writers.insertAuditRow(tx, archive.audit, now);
          }
          const retired = new Map<string, Credential>();
          for (const check of plan.bindings) {
            await lockKey(tx, check.credentialKey);
            const credential = await writers.currentCredential(tx, check.credentialKey);
            if (!credential || credentialFits(credential, check)) continue;
            const gone = await writers.retireCredential(tx, check.credentialKey, now);
            if (gone) retired.set(check.credentialKey, gone);
            const retiring = retiredByCatalogue(credential, check);
            for (const id of check.integrationIds)
              await writers.saveHealth(tx, {
                integrationId: id,
                status: 'unknown',
                reason: retiring.healthReason,
                consecutiveFailures: 0,
              });
            await writers.insertAuditRow(tx, retiring.audit, now);
          }
          for (const update of plan.update) {
            const change = update.authChange;
            if (!change) continue;
            const gone = retired.get(change.oldKey);
            const kept = gone ? undefined : await writers.currentCredential(tx, change.oldKey);
            if (!(await writers.currentCredential(tx, update.values.credentialKey)))
              await writers.saveHealth(tx, {
                integrationId: update.id,
                status: 'unknown',
                reason: change.reason,
                consecutiveFailures: 0,
              });
            await writers.insertAuditRow(tx, authTypeChangeAudit(update.id, change, gone, kept !== undefined), now);
          }
        },
        { lock: CATALOGUE_SYNC_LOCK },
      ),
  };
}
