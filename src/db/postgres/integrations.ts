import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Credential } from '../../domain/types.js';
import { authTypeChangeAudit, credentialFits, retiredByCatalogue } from '../engine-rules.js';
import type { IntegrationRepository } from '../store.js';
import type { PgDb } from './client.js';
import { integrations } from './schema.js';
import {
  currentCredential,
  lockCredentialKey,
  recordAudit,
  retireCredential,
  saveHealth,
  servedBy,
} from './writers.js';

import { CATALOGUE_SYNC_LOCK as SYNC_LOCK } from './writers.js';

export function createPgIntegrationRepository(db: PgDb): IntegrationRepository {
  return {
    listActive: () =>
      db.select().from(integrations).where(isNull(integrations.archivedAt)).orderBy(asc(integrations.id)),
    listAll: () => db.select().from(integrations).orderBy(asc(integrations.id)),
    findActive: async (id) =>
      (
        await db
          .select()
          .from(integrations)
          .where(and(eq(integrations.id, id), isNull(integrations.archivedAt)))
      )[0],
    listByCredentialKey: (key) => servedBy(db, key),
    listByIds: async (ids) =>
      ids.length === 0
        ? []
        : db
            .select()
            .from(integrations)
            .where(inArray(integrations.id, [...ids]))
            .orderBy(asc(integrations.id)),
    async applySync(plan, now) {
      await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${SYNC_LOCK})`);
        // Another replica may have applied the same file a moment ago: skip what is already there.
        const existing = new Set((await tx.select({ id: integrations.id }).from(integrations)).map((r) => r.id));
        for (const add of plan.add) {
          if (existing.has(add.id)) continue;
          await tx.insert(integrations).values({ id: add.id, ...add.values, createdAt: now, updatedAt: now });
          await saveHealth(tx, {
            integrationId: add.id,
            status: 'unknown',
            reason: 'Not checked yet.',
            consecutiveFailures: 0,
          });
          await recordAudit(tx, add.audit, now);
        }
        for (const update of plan.update) {
          await tx
            .update(integrations)
            .set({ ...update.values, archivedAt: null, updatedAt: now })
            .where(eq(integrations.id, update.id));
          for (const entry of update.audits) await recordAudit(tx, entry, now);
        }
        for (const archive of plan.archive) {
          const archived = await tx
            .update(integrations)
            .set({ archivedAt: now, updatedAt: now })
            .where(and(eq(integrations.id, archive.id), isNull(integrations.archivedAt)));
          if (archived.rowCount === 1) await recordAudit(tx, archive.audit, now);
        }
        const retired = new Map<string, Credential>();
        for (const check of plan.bindings) {
          await lockCredentialKey(tx, check.credentialKey);
          const credential = await currentCredential(tx, check.credentialKey);
          if (!credential || credentialFits(credential, check)) continue;
          const gone = await retireCredential(tx, check.credentialKey, now);
          if (gone) retired.set(check.credentialKey, gone);
          const retiring = retiredByCatalogue(credential, check);
          for (const id of check.integrationIds)
            await saveHealth(tx, {
              integrationId: id,
              status: 'unknown',
              reason: retiring.healthReason,
              consecutiveFailures: 0,
            });
          await recordAudit(tx, retiring.audit, now);
        }
        for (const update of plan.update) {
          const change = update.authChange;
          if (!change) continue;
          const gone = retired.get(change.oldKey);
          const kept = gone ? undefined : await currentCredential(tx, change.oldKey);
          if (!(await currentCredential(tx, update.values.credentialKey)))
            await saveHealth(tx, {
              integrationId: update.id,
              status: 'unknown',
              reason: change.reason,
              consecutiveFailures: 0,
            });
          await recordAudit(tx, authTypeChangeAudit(update.id, change, gone, kept !== undefined), now);
        }
      });
    },
  };
}
