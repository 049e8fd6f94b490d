import { randomBytes } from 'node:crypto';
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
import type { Delivery, NewDelivery } from '../../domain/delivery.js';
import { DROPPED_EVENT_REASON, groupSinkRows } from '../engine-rules.js';
import type { ClaimScope, DeliveryLease, DeliveryRepository } from '../store.js';
import { type Dialect, rowsChanged, type SharedDb, wroteOne } from './dialect.js';

/**
 * The outbox: one message per sink and change, worked head first (a sink's oldest pending message) by
 * whoever holds its lease. Every time that decides who may work a message is the dialect's `now()` — the
 * database server's on PostgreSQL, so replicas whose clocks disagree still agree on what is due, leased
 * and lapsed. A claim is one statement that locks the heads it takes with SKIP LOCKED on PostgreSQL, so
 * replicas claiming at once take different sinks and never wait on each other.
 */
export function createDeliveryRepository(dialect: Dialect): DeliveryRepository {
  const { db, tables, transaction, now, after, greatest, forUpdate } = dialect;
  const { deliveries, deliveryNotices } = tables;
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
  const unleased = () => or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, now()));
  const due = () => and(lte(deliveries.nextAttemptAt, now()), unleased());
  const oldestFirst = (a: Delivery, b: Delivery) =>
    a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id;

  /** Cancels a sink's oldest waiting events beyond `limit` (never a credential, never one being sent). */
  async function dropOldEvents(tx: SharedDb, rows: readonly NewDelivery[], limit: number): Promise<number> {
    let dropped = 0;
    const sinks = new Map(
      rows.filter((r) => r.type !== 'credential.updated').map((r) => [`${r.integrationId}\u0000${r.sinkKey}`, r]),
    );
    const waitingEvent = (row: NewDelivery) =>
      and(
        pending,
        sameSink(row.integrationId, row.sinkKey),
        ne(deliveries.type, 'credential.updated'),
        isNull(deliveries.leaseToken),
      );
    for (const row of sinks.values()) {
      const waiting = (
        await tx.select({ id: deliveries.id }).from(deliveries).where(waitingEvent(row)).orderBy(desc(deliveries.id))
      )
        .slice(limit)
        .map((r) => r.id);
      if (waiting.length === 0) continue;
      dropped += rowsChanged(
        await tx
          .update(deliveries)
          .set({ status: 'cancelled', lastError: DROPPED_EVENT_REASON(limit), deliveredAt: now() })
          .where(and(inArray(deliveries.id, waiting), waitingEvent(row))),
      );
    }
    return dropped;
  }

  return {
    async enqueue(rows, maxPendingEvents) {
      if (rows.length === 0) return 0;
      return transaction(async (tx) => {
        await tx
          .insert(deliveries)
          .values(rows.map((r) => ({ ...r, status: 'pending' as const, nextAttemptAt: now() })));
        return maxPendingEvents === undefined ? 0 : dropOldEvents(tx, rows, maxPendingEvents);
      });
    },
    async claimDue(limit, leaseMs, scope) {
      const heads = headIds(scope).as('heads');
      const candidates = forUpdate(
        db
          .select({ id: deliveries.id })
          .from(deliveries)
          .innerJoin(heads, eq(deliveries.id, heads.headId))
          .where(due())
          .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
          .limit(limit),
        { of: deliveries, skipLocked: true },
      );
      const token = randomBytes(12).toString('base64url');
      // The conditions are checked again on the locked row: a head another replica claimed or finished
      // a moment ago is not taken.
      const claimed = await db
        .update(deliveries)
        .set({ leaseUntil: after(leaseMs), leaseToken: token, attempts: sql`${deliveries.attempts} + 1` })
        .where(and(inArray(deliveries.id, candidates), pending, unleased()))
        .returning();
      return claimed.sort(oldestFirst).map((row) => ({ ...row, leaseToken: token }));
    },
    extendLease: (lease, leaseMs) =>
      wroteOne(
        db
          .update(deliveries)
          .set({ leaseUntil: after(leaseMs) })
          .where(held(lease)),
      ),
    delivered: (lease) =>
      wroteOne(
        db
          .update(deliveries)
          .set({
            status: 'delivered',
            deliveredAt: now(),
            leaseUntil: null,
            leaseToken: null,
            sealedCredential: null,
            keyId: null,
            lastError: null,
            needsAttention: false,
          })
          .where(held(lease)),
      ),
    failed: (lease, failure) =>
      wroteOne(
        db
          .update(deliveries)
          .set({
            lastError: failure.error,
            needsAttention: failure.needsAttention,
            nextAttemptAt: after(failure.retryInMs),
            firstFailureAt: sql`coalesce(${deliveries.firstFailureAt}, ${now()})`,
            leaseUntil: null,
            leaseToken: null,
          })
          .where(held(lease)),
      ),
    close(lease, status, reason) {
      // A dead message keeps its sealed credential: `reauth-bot deliver --retry-dead` sends it again.
      const erase = status === 'dead' ? {} : { sealedCredential: null, keyId: null };
      return wroteOne(
        db
          .update(deliveries)
          .set({ status, lastError: reason, deliveredAt: now(), leaseUntil: null, leaseToken: null, ...erase })
          .where(held(lease)),
      );
    },
    release: (lease, retryInMs) =>
      wroteOne(
        db
          .update(deliveries)
          .set({
            attempts: greatest(sql`${deliveries.attempts} - 1`, 0),
            nextAttemptAt: after(retryInMs),
            leaseUntil: null,
            leaseToken: null,
          })
          .where(held(lease)),
      ),
    cancelUnlisted: (listed, reason) =>
      transaction(async (tx) => {
        let cancelled = 0;
        const integrationIds = (
          await tx.selectDistinct({ id: deliveries.integrationId }).from(deliveries).where(pending)
        ).map((r) => r.id);
        for (const integrationId of integrationIds) {
          const keep = listed.get(integrationId) ?? [];
          cancelled += rowsChanged(
            await tx
              .update(deliveries)
              .set({
                status: 'cancelled',
                lastError: reason,
                deliveredAt: now(),
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
              ),
          );
        }
        return cancelled;
      }),
    retryDead: async (integrationId) =>
      rowsChanged(
        await db
          .update(deliveries)
          .set({ status: 'pending', attempts: 0, nextAttemptAt: now(), deliveredAt: null, firstFailureAt: null })
          .where(
            and(
              eq(deliveries.status, 'dead'),
              integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId),
            ),
          ),
      ),
    deadCount: async () =>
      (await db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'dead')))[0]?.n ?? 0,
    async dueHeads(limit) {
      const heads = headIds().as('heads');
      const rows = await db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(due())
        .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
        .limit(limit);
      return rows.map((r): Delivery => r.row);
    },
    head: async (integrationId, sinkKey) =>
      (
        await db
          .select()
          .from(deliveries)
          .where(and(pending, sameSink(integrationId, sinkKey)))
          .orderBy(asc(deliveries.id))
          .limit(1)
      )[0],
    async deliveredVersion(integrationId, sinkKey) {
      const [row] = await db
        .select({ version: max(deliveries.version) })
        .from(deliveries)
        .where(
          and(
            sameSink(integrationId, sinkKey),
            eq(deliveries.status, 'delivered'),
            eq(deliveries.type, 'credential.updated'),
          ),
        );
      return row?.version ?? null;
    },
    async sinkRows(integrationIds) {
      if (integrationIds && integrationIds.length === 0) return [];
      const scope = integrationIds ? inArray(deliveries.integrationId, [...integrationIds]) : undefined;
      const heads = headIds().as('heads');
      const headRows = await db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(scope);
      const lastIds = db
        .select({ lastId: sql<number>`max(${deliveries.id})`.as('last_id') })
        .from(deliveries)
        .where(and(eq(deliveries.status, 'delivered'), eq(deliveries.type, 'credential.updated'), scope))
        .groupBy(deliveries.integrationId, deliveries.sinkKey)
        .as('last');
      const lastRows = await db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(lastIds, eq(deliveries.id, lastIds.lastId));
      const deadRows = await db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.status, 'dead'), scope))
        .orderBy(asc(deliveries.id));
      return groupSinkRows(
        headRows.map((r) => r.row),
        lastRows.map((r) => r.row),
        deadRows,
      );
    },
    forCredential: async (credentialId) =>
      db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.credentialId, credentialId), eq(deliveries.type, 'credential.updated')))
        .orderBy(asc(deliveries.id)),
    retryNow: async (integrationId) =>
      rowsChanged(
        await db
          .update(deliveries)
          .set({ nextAttemptAt: now() })
          .where(and(pending, integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId))),
      ),
    pendingCount: async () => (await db.select({ n: count() }).from(deliveries).where(pending))[0]?.n ?? 0,
    prune: (before) =>
      transaction(async (tx) => {
        // Dead messages are kept whatever their age, like pending ones: a person decides about them.
        const removed = rowsChanged(
          await tx
            .delete(deliveries)
            .where(
              and(ne(deliveries.status, 'pending'), ne(deliveries.status, 'dead'), lt(deliveries.createdAt, before)),
            ),
        );
        await tx.delete(deliveryNotices).where(lt(deliveryNotices.createdAt, before));
        return removed;
      }),
    async addNotice(notice, at) {
      await db.insert(deliveryNotices).values({ ...notice, createdAt: at });
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
        .orderBy(desc(deliveryNotices.id)),
    async removeNotice(id) {
      await db.delete(deliveryNotices).where(eq(deliveryNotices.id, id));
    },
  };
}
