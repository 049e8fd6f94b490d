import { and, asc, count, desc, eq, inArray, isNull, lt, lte, max, ne, or, sql } from 'drizzle-orm';
import type { Delivery } from '../../domain/delivery.js';
import { groupSinkRows } from '../engine-rules.js';
import type { DeliveryRepository } from '../store.js';
import type { PgDb } from './client.js';
import { deliveries, deliveryNotices } from './schema.js';

export function createPgDeliveryRepository(db: PgDb): DeliveryRepository {
  const pending = eq(deliveries.status, 'pending');
  const sameSink = (integrationId: string, sinkKey: string) => and(eq(deliveries.integrationId, integrationId), eq(deliveries.sinkKey, sinkKey));
  const headIds = () => db.select({ headId: sql<number>`min(${deliveries.id})`.as('head_id') }).from(deliveries).where(pending).groupBy(deliveries.integrationId, deliveries.sinkKey);

  return {
    async enqueue(rows) {
      if (rows.length === 0) return;
      await db.insert(deliveries).values(rows.map((r) => ({ ...r, status: 'pending' as const, nextAttemptAt: r.createdAt })));
    },
    async dueHeads(now, limit) {
      const heads = headIds().as('heads');
      const rows = await db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(and(lte(deliveries.nextAttemptAt, now), or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, now))))
        .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
        .limit(limit);
      return rows.map((r): Delivery => r.row);
    },
    head: async (integrationId, sinkKey) => (await db.select().from(deliveries).where(and(pending, sameSink(integrationId, sinkKey))).orderBy(asc(deliveries.id)).limit(1))[0],
    async claim(id, now, until) {
      const result = await db.update(deliveries).set({ leaseUntil: until }).where(and(eq(deliveries.id, id), pending, or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, now))));
      return result.rowCount === 1;
    },
    async delivered(id, now) {
      await db.update(deliveries).set({ status: 'delivered', deliveredAt: now, leaseUntil: null, sealedCredential: null, keyId: null, lastError: null, needsAttention: false }).where(eq(deliveries.id, id));
    },
    async failed(id, failure, now) {
      await db
        .update(deliveries)
        .set({ attempts: sql`${deliveries.attempts} + 1`, lastError: failure.error, needsAttention: failure.needsAttention, nextAttemptAt: failure.nextAttemptAt, firstFailureAt: sql`coalesce(${deliveries.firstFailureAt}, ${now})`, leaseUntil: null })
        .where(eq(deliveries.id, id));
    },
    async close(id, status, reason, now) {
      await db.update(deliveries).set({ status, lastError: reason, deliveredAt: now, leaseUntil: null, sealedCredential: null, keyId: null }).where(eq(deliveries.id, id));
    },
    async deliveredVersion(integrationId, sinkKey) {
      const [row] = await db.select({ version: max(deliveries.version) }).from(deliveries).where(and(sameSink(integrationId, sinkKey), eq(deliveries.status, 'delivered'), eq(deliveries.type, 'credential.updated')));
      return row?.version ?? null;
    },
    async sinkRows(integrationIds) {
      const scope = integrationIds ? inArray(deliveries.integrationId, [...integrationIds]) : undefined;
      if (integrationIds && integrationIds.length === 0) return [];
      const heads = headIds().as('heads');
      const headRows = await db.select({ row: deliveries }).from(deliveries).innerJoin(heads, eq(deliveries.id, heads.headId)).where(scope);
      const lastIds = db
        .select({ lastId: sql<number>`max(${deliveries.id})`.as('last_id') })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'delivered'), eq(deliveries.type, 'credential.updated'), scope))
        .groupBy(deliveries.integrationId, deliveries.sinkKey)
        .as('last');
      const lastRows = await db.select({ row: deliveries }).from(deliveries).innerJoin(lastIds, eq(deliveries.id, lastIds.lastId));
      return groupSinkRows(headRows.map((r) => r.row), lastRows.map((r) => r.row));
    },
    forCredential: (credentialId) => db.select().from(deliveries).where(and(eq(deliveries.credentialId, credentialId), eq(deliveries.type, 'credential.updated'))).orderBy(asc(deliveries.id)),
    async retryNow(now, integrationId) {
      const result = await db.update(deliveries).set({ nextAttemptAt: now }).where(and(pending, integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId)));
      return result.rowCount ?? 0;
    },
    pendingCount: async () => (await db.select({ n: count() }).from(deliveries).where(pending))[0]?.n ?? 0,
    async prune(before) {
      return db.transaction(async (tx) => {
        const removed = await tx.delete(deliveries).where(and(ne(deliveries.status, 'pending'), lt(deliveries.createdAt, before)));
        await tx.delete(deliveryNotices).where(lt(deliveryNotices.createdAt, before));
        return removed.rowCount ?? 0;
      });
    },
    // Several replicas share this database: a lease may be another live replica's, so leases only lapse.
    releaseLeases: async () => 0,
    async addNotice(notice, now) {
      await db.insert(deliveryNotices).values({ ...notice, createdAt: now });
    },
    notices: (credentialId) => db.select().from(deliveryNotices).where(eq(deliveryNotices.credentialId, credentialId)).orderBy(desc(deliveryNotices.id)),
    async removeNotice(id) {
      await db.delete(deliveryNotices).where(eq(deliveryNotices.id, id));
    },
  };
}

