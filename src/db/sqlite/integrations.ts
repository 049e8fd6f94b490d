import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Credential, Integration } from '../../domain/types.js';
import { authTypeChangeAudit, credentialFits, retiredByCatalogue } from '../engine-rules.js';
import type { IntegrationRepository } from '../store.js';
import { inTransaction, type Db } from './client.js';
import { createAuditWriter } from './audit.js';
import { createCredentialRetirer, prepareCurrentCredential } from './credentials.js';
import { createHealthWriter } from './health.js';
import { prepareServedBy } from './served-by.js';
import { integrations } from './schema.js';

/** The stored row is exactly the domain's Integration (checked here at compile time). */
const asIntegration = (row: typeof integrations.$inferSelect): Integration => row;

export function createIntegrationRepository(db: Db): IntegrationRepository {
  const findActive = db
    .select()
    .from(integrations)
    .where(and(eq(integrations.id, sql.placeholder('id')), isNull(integrations.archivedAt)))
    .prepare();
  const byCredentialKey = prepareServedBy(db);
  const listActive = db
    .select()
    .from(integrations)
    .where(isNull(integrations.archivedAt))
    .orderBy(asc(integrations.id))
    .prepare();
  const audit = createAuditWriter(db);
  const health = createHealthWriter(db);
  const retire = createCredentialRetirer(db);
  const current = prepareCurrentCredential(db);

  return {
    listActive: async () => listActive.all().map(asIntegration),
    listAll: async () => db.select().from(integrations).orderBy(asc(integrations.id)).all(),
    findActive: async (id) => findActive.get({ id }),
    listByCredentialKey: async (key) => byCredentialKey.all({ key }),
    listByIds: async (ids) =>
      ids.length === 0
        ? []
        : db
            .select()
            .from(integrations)
            .where(inArray(integrations.id, [...ids]))
            .orderBy(asc(integrations.id))
            .all(),
    async applySync(plan, now) {
      inTransaction(db, (tx) => {
        // Another process (the server's start-up, a CLI command) may have applied the same file a
        // moment ago: what is already there is skipped, as on PostgreSQL.
        const existing = new Set(
          tx
            .select({ id: integrations.id })
            .from(integrations)
            .all()
            .map((r) => r.id),
        );
        for (const add of plan.add) {
          if (existing.has(add.id)) continue;
          tx.insert(integrations)
            .values({ id: add.id, ...add.values, createdAt: now, updatedAt: now })
            .run();
          health.save({ integrationId: add.id, status: 'unknown', reason: 'Not checked yet.', consecutiveFailures: 0 });
          audit.record(add.audit, now);
        }
        for (const update of plan.update) {
          tx.update(integrations)
            .set({ ...update.values, archivedAt: null, updatedAt: now })
            .where(eq(integrations.id, update.id))
            .run();
          for (const entry of update.audits) audit.record(entry, now);
        }
        for (const archive of plan.archive) {
          const archived = tx
            .update(integrations)
            .set({ archivedAt: now, updatedAt: now })
            .where(and(eq(integrations.id, archive.id), isNull(integrations.archivedAt)))
            .run().changes;
          if (archived === 1) audit.record(archive.audit, now);
        }
        const retired = new Map<string, Credential>();
        for (const check of plan.bindings) {
          const credential = current.get({ key: check.credentialKey });
          if (!credential || credentialFits(credential, check)) continue;
          const gone = retire(check.credentialKey, now);
          if (gone) retired.set(check.credentialKey, gone);
          const retiring = retiredByCatalogue(credential, check);
          for (const id of check.integrationIds)
            health.save({
              integrationId: id,
              status: 'unknown',
              reason: retiring.healthReason,
              consecutiveFailures: 0,
            });
          audit.record(retiring.audit, now);
        }
        for (const update of plan.update) {
          const change = update.authChange;
          if (!change) continue;
          const gone = retired.get(change.oldKey);
          const kept = gone ? undefined : current.get({ key: change.oldKey });
          if (!current.get({ key: update.values.credentialKey }))
            health.save({ integrationId: update.id, status: 'unknown', reason: change.reason, consecutiveFailures: 0 });
          audit.record(authTypeChangeAudit(update.id, change, gone, kept !== undefined), now);
        }
      });
    },
  };
}
