import { and, asc, eq, inArray, isNull, max } from 'drizzle-orm';
import { outboxRows } from '../engine-rules.js';
import type { Engine, Writers } from './dialect.js';

/** The commit's statements over the query builder, each on the handle it is given (see Writers). */
export function createWriters({ tables: t, greatest, now: dbNow }: Engine): Writers {
  return {
    async currentCredential(q, key) {
      const [row] = await q
        .select()
        .from(t.credentials)
        .where(and(eq(t.credentials.credentialKey, key), isNull(t.credentials.replacedAt)))
        .limit(1);
      return row;
    },
    servedBy: async (q, key) =>
      q
        .select()
        .from(t.integrations)
        .where(and(eq(t.integrations.credentialKey, key), isNull(t.integrations.archivedAt)))
        .orderBy(asc(t.integrations.id)),
    async lastVersion(q, key) {
      const [row] = await q
        .select({ version: max(t.credentials.version) })
        .from(t.credentials)
        .where(eq(t.credentials.credentialKey, key));
      return row?.version ?? 0;
    },
    async retireCredential(q, key, now) {
      const [row] = await q
        .update(t.credentials)
        .set({ replacedAt: now, sealedSecret: null, keyId: null })
        .where(and(eq(t.credentials.credentialKey, key), isNull(t.credentials.replacedAt)))
        .returning();
      return row;
    },
    async markServedVersion(q, served, version) {
      if (served.length === 0) return;
      await q
        .update(t.integrations)
        .set({ credentialVersion: greatest(t.integrations.credentialVersion, version) })
        .where(
          inArray(
            t.integrations.id,
            served.map((s) => s.id),
          ),
        );
    },
    async saveHealth(q, state) {
      await q
        .insert(t.healthStates)
        .values(state)
        .onConflictDoUpdate({ target: t.healthStates.integrationId, set: { ...state } });
    },
    async insertAuditRow(q, entry, now) {
      await q.insert(t.auditLog).values({
        at: now,
        actor: entry.actor,
        integrationId: entry.integrationId ?? null,
        action: entry.action,
        outcome: entry.outcome,
        fingerprint: entry.fingerprint ?? null,
        detail: entry.detail ?? null,
      });
    },
    async writeOutbox(q, outbox, credential, served, now) {
      // Due by the engine's clock (the database server's on PostgreSQL), which decides every delivery time.
      const rows = outboxRows(outbox, credential, served, now).map((row) => ({ ...row, nextAttemptAt: dbNow() }));
      if (rows.length > 0) await q.insert(t.deliveries).values(rows);
    },
  };
}
