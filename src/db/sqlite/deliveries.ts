import {
  and,
  asc,
  count,
  desc,
  eq,
  inArray,
  isNull,
  lt,
  lte,
  max,
  ne,
  notInArray,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import type { Delivery, NewDelivery } from '../../domain/delivery.js';
import { DROPPED_EVENT_REASON, groupSinkRows } from '../engine-rules.js';
import type { ClaimScope, DeliveryLease, DeliveryRepository } from '../store.js';
import { inTransaction, type Db } from './client.js';
import { deliveries, deliveryNotices } from './schema.js';

/** SQLite is one replica: the store's clock is the injected one, and a claim is one UPDATE … RETURNING. */
export function createDeliveryRepository(db: Db, clock: Clock): DeliveryRepository {
  const pending = eq(deliveries.status, 'pending');
  const sameSink = (integrationId: string, sinkKey: string) =>
    and(eq(deliveries.integrationId, integrationId), eq(deliveries.sinkKey, sinkKey));
  const scoped = (scope: ClaimScope | undefined): SQL | undefined =>
    and(
      scope?.integrationId === undefined ? undefined : eq(deliveries.integrationId, scope.integrationId),
      scope?.sinkKey === undefined ? undefined : eq(deliveries.sinkKey, scope.sinkKey),
    );
  const headIds = (scope?: ClaimScope) =>
    db
      .select({ headId: sql<number>`min(${deliveries.id})`.as('head_id') })
      .from(deliveries)
      .where(and(pending, scoped(scope)))
      .groupBy(deliveries.integrationId, deliveries.sinkKey);
  const held = (lease: DeliveryLease) =>
    and(eq(deliveries.id, lease.id), eq(deliveries.leaseToken, lease.token), pending);
  const unleased = (now: Date) => or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, now));
  const after = (ms: number) => new Date(clock.now().getTime() + ms);

  const forCredential = db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.credentialId, sql.placeholder('credentialId')), eq(deliveries.type, 'credential.updated')))
    .orderBy(asc(deliveries.id))
    .prepare();

  function dropOldEvents(rows: readonly NewDelivery[], limit: number): number {
    let dropped = 0;
    const sinks = new Map(
      rows.filter((r) => r.type !== 'credential.updated').map((r) => [`${r.integrationId}\u0000${r.sinkKey}`, r]),
    );
    for (const row of sinks.values()) {
      const waiting = db
        .select({ id: deliveries.id })
        .from(deliveries)
        .where(
          and(
            pending,
            sameSink(row.integrationId, row.sinkKey),
            ne(deliveries.type, 'credential.updated'),
            isNull(deliveries.leaseToken),
          ),
        )
        .orderBy(desc(deliveries.id))
        .all()
        .slice(limit)
        .map((r) => r.id);
      if (waiting.length === 0) continue;
      dropped += db
        .update(deliveries)
        .set({ status: 'cancelled', lastError: DROPPED_EVENT_REASON(limit), deliveredAt: clock.now() })
        .where(inArray(deliveries.id, waiting))
        .run().changes;
    }
    return dropped;
  }

  return {
    async enqueue(rows, maxPendingEvents) {
      if (rows.length === 0) return 0;
      return inTransaction(db, () => {
        db.insert(deliveries)
          .values(rows.map((r) => ({ ...r, status: 'pending' as const, nextAttemptAt: clock.now() })))
          .run();
        return maxPendingEvents === undefined ? 0 : dropOldEvents(rows, maxPendingEvents);
      });
    },
    async claimDue(limit, leaseMs, scope) {
      const now = clock.now();
      const heads = headIds(scope).as('heads');
      const due = db
        .select({ id: deliveries.id })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(and(lte(deliveries.nextAttemptAt, now), unleased(now)))
        .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
        .limit(limit);
      const token = randomBytes(12).toString('base64url');
      const claimed = db
        .update(deliveries)
        .set({
          leaseUntil: new Date(now.getTime() + leaseMs),
          leaseToken: token,
          attempts: sql`${deliveries.attempts} + 1`,
        })
        .where(inArray(deliveries.id, due))
        .returning()
        .all();
      return claimed
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
        .map((row) => ({ ...row, leaseToken: token }));
    },
    async extendLease(lease, leaseMs) {
      return (
        db
          .update(deliveries)
          .set({ leaseUntil: after(leaseMs) })
          .where(held(lease))
          .run().changes === 1
      );
    },
    async delivered(lease) {
      return (
        db
          .update(deliveries)
          .set({
            status: 'delivered',
            deliveredAt: clock.now(),
            leaseUntil: null,
            leaseToken: null,
            sealedCredential: null,
            keyId: null,
            lastError: null,
            needsAttention: false,
          })
          .where(held(lease))
          .run().changes === 1
      );
    },
    async failed(lease, failure) {
      const now = clock.now();
      return (
        db
          .update(deliveries)
          .set({
            lastError: failure.error,
            needsAttention: failure.needsAttention,
            nextAttemptAt: after(failure.retryInMs),
            firstFailureAt: sql`coalesce(${deliveries.firstFailureAt}, ${now.getTime()})`,
            leaseUntil: null,
            leaseToken: null,
          })
          .where(held(lease))
          .run().changes === 1
      );
    },
    async close(lease, status, reason) {
      // A dead message keeps its sealed credential: `reauth-bot deliver --retry-dead` sends it again.
      const erase = status === 'dead' ? {} : { sealedCredential: null, keyId: null };
      return (
        db
          .update(deliveries)
          .set({ status, lastError: reason, deliveredAt: clock.now(), leaseUntil: null, leaseToken: null, ...erase })
          .where(held(lease))
          .run().changes === 1
      );
    },
    async release(lease, retryInMs) {
      return (
        db
          .update(deliveries)
          .set({
            attempts: sql`max(${deliveries.attempts} - 1, 0)`,
            nextAttemptAt: after(retryInMs),
            leaseUntil: null,
            leaseToken: null,
          })
          .where(held(lease))
          .run().changes === 1
      );
    },
    async cancelUnlisted(listed, reason) {
      return inTransaction(db, () => {
        let cancelled = 0;
        const now = clock.now();
        const integrationIds = db
          .selectDistinct({ id: deliveries.integrationId })
          .from(deliveries)
          .where(pending)
          .all()
          .map((r) => r.id);
        for (const integrationId of integrationIds) {
          const keep = listed.get(integrationId) ?? [];
          cancelled += db
            .update(deliveries)
            .set({
              status: 'cancelled',
              lastError: reason,
              deliveredAt: now,
              leaseUntil: null,
              leaseToken: null,
              sealedCredential: null,
              keyId: null,
            })
            .where(
              and(
                pending,
                eq(deliveries.integrationId, integrationId),
                keep.length ? notInArray(deliveries.sinkKey, [...keep]) : undefined,
              ),
            )
            .run().changes;
        }
        return cancelled;
      });
    },
    async retryDead(integrationId) {
      return db
        .update(deliveries)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: clock.now(), deliveredAt: null, firstFailureAt: null })
        .where(
          and(
            eq(deliveries.status, 'dead'),
            integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId),
          ),
        )
        .run().changes;
    },
    deadCount: async () =>
      db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'dead')).get()?.n ?? 0,
    async dueHeads(limit) {
      const now = clock.now();
      const heads = headIds().as('heads');
      return db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(and(lte(deliveries.nextAttemptAt, now), unleased(now)))
        .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
        .limit(limit)
        .all()
        .map((r): Delivery => r.row);
    },
    head: async (integrationId, sinkKey) =>
      db
        .select()
        .from(deliveries)
        .where(and(pending, sameSink(integrationId, sinkKey)))
        .orderBy(asc(deliveries.id))
        .limit(1)
        .get(),
    async deliveredVersion(integrationId, sinkKey) {
      const row = db
        .select({ version: max(deliveries.version) })
        .from(deliveries)
        .where(
          and(
            sameSink(integrationId, sinkKey),
            eq(deliveries.status, 'delivered'),
            eq(deliveries.type, 'credential.updated'),
          ),
        )
        .get();
      return row?.version ?? null;
    },
    async sinkRows(integrationIds) {
      const scope = integrationIds ? inArray(deliveries.integrationId, [...integrationIds]) : undefined;
      const heads = headIds().as('heads');
      const headRows = db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(scope)
        .all();
      const lastIds = db
        .select({ lastId: sql<number>`max(${deliveries.id})`.as('last_id') })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'delivered'), eq(deliveries.type, 'credential.updated'), scope))
        .groupBy(deliveries.integrationId, deliveries.sinkKey)
        .as('last');
      const lastRows = db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(lastIds, eq(deliveries.id, lastIds.lastId))
        .all();
      const deadRows = db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.status, 'dead'), scope))
        .orderBy(asc(deliveries.id))
        .all();
      return groupSinkRows(
        headRows.map((r) => r.row),
        lastRows.map((r) => r.row),
        deadRows,
      );
    },
    forCredential: async (credentialId) => forCredential.all({ credentialId }),
    async retryNow(integrationId) {
      return db
        .update(deliveries)
        .set({ nextAttemptAt: clock.now() })
        .where(and(pending, integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId)))
        .run().changes;
    },
    async prune(before) {
      return inTransaction(db, () => {
        // Dead messages are kept whatever their age, like pending ones: a person decides about them.
        const removed = db
          .delete(deliveries)
          .where(and(ne(deliveries.status, 'pending'), ne(deliveries.status, 'dead'), lt(deliveries.createdAt, before)))
          .run().changes;
        db.delete(deliveryNotices).where(lt(deliveryNotices.createdAt, before)).run();
        return removed;
      });
    },
    pendingCount: async () => db.select({ n: count() }).from(deliveries).where(pending).get()?.n ?? 0,
    async addNotice(notice, now) {
      db.insert(deliveryNotices)
        .values({ ...notice, createdAt: now })
        .run();
    },
    notices: async (credentialId) =>
      db
        .select({
          id: deliveryNotices.id,
          credentialId: deliveryNotices.credentialId,
          integrationId: deliveryNotices.integrationId,
          channel: deliveryNotices.channel,
          messageTs: deliveryNotices.messageTs,
          viewId: deliveryNotices.viewId,
          content: deliveryNotices.content,
        })
        .from(deliveryNotices)
        .where(eq(deliveryNotices.credentialId, credentialId))
        .orderBy(desc(deliveryNotices.id))
        .all(),
    async removeNotice(id) {
      db.delete(deliveryNotices).where(eq(deliveryNotices.id, id)).run();
    },
  };
}
