import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Integration } from '../../domain/types.js';
import type { IntegrationRepository } from '../store.js';
import type { Db } from './client.js';
import { createAuditWriter } from './audit.js';
import { createCredentialRetirer } from './credentials.js';
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
  const listActive = db.select().from(integrations).where(isNull(integrations.archivedAt)).orderBy(asc(integrations.id)).prepare();
  const audit = createAuditWriter(db);
  const health = createHealthWriter(db);
  const retire = createCredentialRetirer(db);

  return {
    listActive: async () => listActive.all().map(asIntegration),
    listAll: async () => db.select().from(integrations).orderBy(asc(integrations.id)).all(),
    findActive: async (id) => findActive.get({ id }),
    listByCredentialKey: async (key) => byCredentialKey.all({ key }),
    listByIds: async (ids) => (ids.length === 0 ? [] : db.select().from(integrations).where(inArray(integrations.id, [...ids])).orderBy(asc(integrations.id)).all()),
    async applySync(plan, now) {
      db.transaction((tx) => {
        for (const add of plan.add) {
          tx.insert(integrations).values({ id: add.id, ...add.values, createdAt: now, updatedAt: now }).run();
          health.save({ integrationId: add.id, status: 'unknown', reason: 'Not checked yet.', consecutiveFailures: 0 });
          audit.record(add.audit, now);
        }
        for (const update of plan.update) {
          tx.update(integrations).set({ ...update.values, archivedAt: null, updatedAt: now }).where(eq(integrations.id, update.id)).run();
          for (const entry of update.audits) audit.record(entry, now);
          if (update.retire) {
            const retired = retire(update.retire.credentialKey, now);
            health.save({ integrationId: update.id, status: 'unknown', reason: update.retire.reason, consecutiveFailures: 0 });
            audit.record(update.retire.audit(retired), now);
          }
        }
        for (const archive of plan.archive) {
          tx.update(integrations).set({ archivedAt: now, updatedAt: now }).where(eq(integrations.id, archive.id)).run();
          audit.record(archive.audit, now);
        }
      });
    },
  };
}
