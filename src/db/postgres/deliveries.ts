import { randomBytes } from 'node:crypto';
import { and, asc, count, desc, eq, inArray, isNull, lt, max, ne, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Delivery, NewDelivery } from '../../domain/delivery.js';
import { DROPPED_EVENT_REASON, groupSinkRows } from '../engine-rules.js';
import type { ClaimScope, DeliveryLease, DeliveryRepository } from '../store.js';
import type { PgDb, PgExecutor } from './client.js';
import { deliveries, deliveryNotices } from './schema.js';

/**
 * The outbox on PostgreSQL. Every time that decides who may work a message is the database server's
 * (`now()`), never a replica's: replicas whose clocks disagree by minutes still agree on what is due,
 * leased and lapsed. A claim is one statement that locks the heads it takes with SKIP LOCKED, so
 * replicas claiming at once take different sinks and never wait on each other
 * (https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE).
 */
const dbNow = sql`now()`;
const dbAfter = (ms: number) => sql`now() + ${ms} * interval '1 millisecond'`;

export function createPgDeliveryRepository(db: PgDb): DeliveryRepository {
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
  const unleased = or(isNull(deliveries.leaseUntil), lt(deliveries.leaseUntil, dbNow));
  const due = and(sql`${deliveries.nextAttemptAt} <= now()`, unleased);
  const changed = (result: { rowCount: number | null }) => result.rowCount === 1;

  async function dropOldEvents(tx: PgExecutor, rows: readonly NewDelivery[], limit: number): Promise<number> {
    let dropped = 0;
    const sinks = new Map(
      rows.filter((r) => r.type !== 'credential.updated').map((r) => [`${r.integrationId}\u0000${r.sinkKey}`, r]),
    );
    for (const row of sinks.values()) {
      const waiting = (
        await tx
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
          .offset(limit)
      ).map((r) => r.id);
      if (waiting.length === 0) continue;
      const result = await tx
        .update(deliveries)
        .set({ status: 'cancelled', lastError: DROPPED_EVENT_REASON(limit), deliveredAt: dbNow })
        .where(and(inArray(deliveries.id, waiting), pending, isNull(deliveries.leaseToken)));
      dropped += result.rowCount ?? 0;
    }
    return dropped;
  }

  return {
    async enqueue(rows, maxPendingEvents) {
      if (rows.length === 0) return 0;
      return db.transaction(async (tx) => {
        await tx
          .insert(deliveries)
          .values(rows.map((r) => ({ ...r, status: 'pending' as const, nextAttemptAt: dbNow })));
        return maxPendingEvents === undefined ? 0 : dropOldEvents(tx, rows, maxPendingEvents);
      });
    },
    async claimDue(limit, leaseMs, scope) {
      const heads = headIds(scope).as('heads');
      const candidates = db
        .select({ id: deliveries.id })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(due)
        .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.id))
        .limit(limit)
        .for('update', { of: deliveries, skipLocked: true });
      const token = randomBytes(12).toString('base64url');
      // The conditions are checked again on the locked row: a head another replica claimed or finished
      // a moment ago is not taken.
      const claimed = await db
        .update(deliveries)
        .set({ leaseUntil: dbAfter(leaseMs), leaseToken: token, attempts: sql`${deliveries.attempts} + 1` })
        .where(and(inArray(deliveries.id, candidates), pending, unleased))
        .returning();
      return claimed
        .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.id - b.id)
        .map((row) => ({ ...row, leaseToken: token }));
    },
    extendLease: async (lease, leaseMs) =>
      changed(
        await db
          .update(deliveries)
          .set({ leaseUntil: dbAfter(leaseMs) })
          .where(held(lease)),
      ),
    delivered: async (lease) =>
      changed(
        await db
          .update(deliveries)
          .set({
            status: 'delivered',
            deliveredAt: dbNow,
            leaseUntil: null,
            leaseToken: null,
            sealedCredential: null,
            keyId: null,
            lastError: null,
            needsAttention: false,
          })
          .where(held(lease)),
      ),
    failed: async (lease, failure) =>
      changed(
        await db
          .update(deliveries)
          .set({
            lastError: failure.error,
            needsAttention: failure.needsAttention,
            nextAttemptAt: dbAfter(failure.retryInMs),
            firstFailureAt: sql`coalesce(${deliveries.firstFailureAt}, now())`,
            leaseUntil: null,
            leaseToken: null,
          })
          .where(held(lease)),
      ),
    async close(lease, status, reason) {
      // A dead message keeps its sealed credential: `reauth-bot deliver --retry-dead` sends it again.
      const erase = status === 'dead' ? {} : { sealedCredential: null, keyId: null };
      return changed(
        await db
          .update(deliveries)
          .set({ status, lastError: reason, deliveredAt: dbNow, leaseUntil: null, leaseToken: null, ...erase })
          .where(held(lease)),
      );
    },
    release: async (lease, retryInMs) =>
      changed(
        await db
          .update(deliveries)
          .set({
            attempts: sql`greatest(${deliveries.attempts} - 1, 0)`,
            nextAttemptAt: dbAfter(retryInMs),
            leaseUntil: null,
            leaseToken: null,
          })
          .where(held(lease)),
      ),
    async cancelUnlisted(listed, reason) {
      return db.transaction(async (tx) => {
        let cancelled = 0;
        const integrationIds = (
          await tx.selectDistinct({ id: deliveries.integrationId }).from(deliveries).where(pending)
        ).map((r) => r.id);
        for (const integrationId of integrationIds) {
          const keep = listed.get(integrationId) ?? [];
          const result = await tx
            .update(deliveries)
            .set({
              status: 'cancelled',
              lastError: reason,
              deliveredAt: dbNow,
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
            );
          cancelled += result.rowCount ?? 0;
        }
        return cancelled;
      });
    },
    async retryDead(integrationId) {
      const result = await db
        .update(deliveries)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: dbNow, deliveredAt: null, firstFailureAt: null })
        .where(
          and(
            eq(deliveries.status, 'dead'),
            integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId),
          ),
        );
      return result.rowCount ?? 0;
    },
    deadCount: async () =>
      (await db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'dead')))[0]?.n ?? 0,
    async dueHeads(limit) {
      const heads = headIds().as('heads');
      const rows = await db
        .select({ row: deliveries })
        .from(deliveries)
        .innerJoin(heads, eq(deliveries.id, heads.headId))
        .where(due)
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
      const scope = integrationIds ? inArray(deliveries.integrationId, [...integrationIds]) : undefined;
      if (integrationIds && integrationIds.length === 0) return [];
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
    forCredential: (credentialId) =>
      db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.credentialId, credentialId), eq(deliveries.type, 'credential.updated')))
        .orderBy(asc(deliveries.id)),
    async retryNow(integrationId) {
      const result = await db
        .update(deliveries)
        .set({ nextAttemptAt: dbNow })
        .where(and(pending, integrationId === undefined ? undefined : eq(deliveries.integrationId, integrationId)));
      return result.rowCount ?? 0;
    },
    pendingCount: async () => (await db.select({ n: count() }).from(deliveries).where(pending))[0]?.n ?? 0,
    async prune(before) {
      return db.transaction(async (tx) => {
        // Dead messages are kept whatever their age, like pending ones: a person decides about them.
        const removed = await tx
          .delete(deliveries)
          .where(
            and(ne(deliveries.status, 'pending'), ne(deliveries.status, 'dead'), lt(deliveries.createdAt, before)),
          );
        await tx.delete(deliveryNotices).where(lt(deliveryNotices.createdAt, before));
        return removed.rowCount ?? 0;
      });
    },
    // Several replicas share this database: a lease may be another live replica's, so leases only lapse.
    async addNotice(notice, now) {
      await db.insert(deliveryNotices).values({ ...notice, createdAt: now });
    },
    notices: (credentialId) =>
      db
        .select()
        .from(deliveryNotices)
        .where(eq(deliveryNotices.credentialId, credentialId))
        .orderBy(desc(deliveryNotices.id)),
    async removeNotice(id) {
      await db.delete(deliveryNotices).where(eq(deliveryNotices.id, id));
    },
  };
}
