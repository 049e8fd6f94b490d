import { and, asc, count, desc, eq, inArray, isNotNull, isNull, lt, lte, max, ne, or, sql } from 'drizzle-orm';
import type { Delivery, NewDelivery } from '../../domain/delivery.js';
import { groupSinkRows, outboxRows } from '../engine-rules.js';
import type { DeliveryRepository, OutboxWrite } from '../store.js';
import type { Db } from './client.js';
import { deliveries, deliveryNotices } from './schema.js';

/** The outbox rows for one credential version; synchronous, so they join the transaction that swaps it in. */
export function createOutboxWriter(db: Db) {
  return (outbox: OutboxWrite | undefined, credential: { id: number; version: number }, served: readonly { id: string }[], now: Date): void => {
    const rows = outboxRows(outbox, credential, served, now);
    if (rows.length > 0) db.insert(deliveries).values(rows).run();
  };
}

export function createDeliveryRepository(db: Db): DeliveryRepository {
  const pending = eq(deliveries.status, 'pending');
  const sameSink = (integrationId: string, sinkKey: string) => and(eq(deliveries.integrationId, integrationId), eq(deliveries.sinkKey, sinkKey));
  const headIds = db
    .select({ headId: sql<number>`min(${deliveries.id})`.as('head_id') })
    .from(deliveries)
    .where(pending)
    .groupBy(deliveries.integrationId, deliveries.sinkKey);

  const forCredential = db.select().from(deliveries).where(and(eq(deliveries.credentialId, sql.placeholder('credentialId')), eq(deliveries.type, 'credential.updated'))).orderBy(asc(deliveries.id)).prepare();

  return {
    async enqueue(rows: readonly NewDelivery[]) {
      if (rows.length === 0) return;
      db.insert(deliveries).values(rows.map((r) => ({ ...r, status: 'pending' as const, nextAttemptAt: r.createdAt }))).run();
    },
    async dueHeads(now, limit) {
      const heads = headIds.as('heads');
      return db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(and(lte(deliveries.nextAttemptAt, now), or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, now))))
        .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
        .limit(limit)
        .all()
        .map((r): Delivery => r.row);
    },
    head: async (integrationId, sinkKey) => db.select().from(deliveries).where(and(pending, sameSink(integrationId, sinkKey))).orderBy(asc(deliveries.id)).limit(1).get(),
    async claim(id, now, until) {
      const result = db
        .update(deliveries)
        .set({ leaseUntil: until })
        .where(and(eq(deliveries.id, id), pending, or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, now))))
        .run();
      return result.changes === 1;
    },
    async delivered(id, now) {
      db.update(deliveries).set({ status: 'delivered', deliveredAt: now, leaseUntil: null, sealedCredential: null, keyId: null, lastError: null, needsAttention: false }).where(eq(deliveries.id, id)).run();
    },
    async failed(id, failure, now) {
      db.update(deliveries)
        .set({
          attempts: sql`${deliveries.attempts} + 1`,
          lastError: failure.error,
          needsAttention: failure.needsAttention,
          nextAttemptAt: failure.nextAttemptAt,
          firstFailureAt: sql`coalesce(${deliveries.firstFailureAt}, ${now.getTime()})`,
          leaseUntil: null,
        })
        .where(eq(deliveries.id, id))
        .run();
    },
    async close(id, status, reason, now) {
      db.update(deliveries).set({ status, lastError: reason, deliveredAt: now, leaseUntil: null, sealedCredential: null, keyId: null }).where(eq(deliveries.id, id)).run();
    },
    async deliveredVersion(integrationId, sinkKey) {
      const row = db.select({ version: max(deliveries.version) }).from(deliveries).where(and(sameSink(integrationId, sinkKey), eq(deliveries.status, 'delivered'), eq(deliveries.type, 'credential.updated'))).get();
      return row?.version ?? null;
    },
    async sinkRows(integrationIds) {
      const scope = integrationIds ? inArray(deliveries.integrationId, [...integrationIds]) : undefined;
      const heads = headIds.as('heads');
      const headRows = db.select({ row: deliveries }).from(deliveries).innerJoin(heads, eq(deliveries.id, heads.headId)).where(scope).all();
      const lastIds = db
        .select({ lastId: sql<number>`max(${deliveries.id})`.as('last_id') })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'delivered'), eq(deliveries.type, 'credential.updated'), scope))
        .groupBy(deliveries.integrationId, deliveries.sinkKey)
        .as('last');
      const lastRows = db.select({ row: deliveries }).from(deliveries).innerJoin(lastIds, eq(deliveries.id, lastIds.lastId)).all();
      return groupSinkRows(headRows.map((r) => r.row), lastRows.map((r) => r.row));
    },
    forCredential: async (credentialId) => forCredential.all({ credentialId }),
    async retryNow(now, integrationId) {
      const result = db
        .update(deliveries)
        .set({ nextAttemptAt: now })
        .where(and(pending, integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId)))
        .run();
      return result.changes;
    },
    async prune(before) {
      return db.transaction(() => {
        const removed = db.delete(deliveries).where(and(ne(deliveries.status, 'pending'), lt(deliveries.createdAt, before))).run().changes;
        db.delete(deliveryNotices).where(lt(deliveryNotices.createdAt, before)).run();
        return removed;
      });
    },
    async releaseLeases() {
      return db.update(deliveries).set({ leaseUntil: null }).where(and(pending, isNotNull(deliveries.leaseUntil))).run().changes;
    },
    pendingCount: async () => db.select({ n: count() }).from(deliveries).where(pending).get()?.n ?? 0,
    async addNotice(notice, now) {
      db.insert(deliveryNotices).values({ ...notice, createdAt: now }).run();
    },
    notices: async (credentialId) =>
      db
        .select({ id: deliveryNotices.id, credentialId: deliveryNotices.credentialId, integrationId: deliveryNotices.integrationId, channel: deliveryNotices.channel, messageTs: deliveryNotices.messageTs, viewId: deliveryNotices.viewId, content: deliveryNotices.content })
        .from(deliveryNotices)
        .where(eq(deliveryNotices.credentialId, credentialId))
        .orderBy(desc(deliveryNotices.id))
        .all(),
    async removeNotice(id) {
      db.delete(deliveryNotices).where(eq(deliveryNotices.id, id)).run();
    },
  };
}
