import { and, asc, desc, eq, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { AuditRecord } from '../../domain/types.js';
import type { AuditRepository, ConsumerRateRepository, WebhookReplayRepository } from '../store.js';
import { RATE_WINDOW_MS, REPLAY_MEMORY_MS, REPLAY_PRUNE_EVERY_MS, retryAfterSeconds } from '../engine-rules.js';
import type { PgDb } from './client.js';
import { auditLog, consumerRates, webhookReplays } from './schema.js';
import { recordAudit } from './writers.js';

/** Audit, webhook replays and consumer rates on PostgreSQL. */

/** The audit export reads this many rows at a time, by id: memory stays flat. */
const AUDIT_PAGE = 1000;

export function createPgAuditRepository(db: PgDb): AuditRepository {
  return {
    record: (entry, now) => recordAudit(db, entry, now),
    async prune(before) {
      // A batch at a time: each statement short, well within the statement time limit.
      let removed = 0;
      for (;;) {
        const result = await db.execute(
          sql`delete from ${auditLog} where ${auditLog.id} in (select ${auditLog.id} from ${auditLog} where ${auditLog.at} < ${before} order by ${auditLog.id} limit 5000)`,
        );
        removed += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < 5000) return removed;
      }
    },
    async list(integrationId) {
      const query = db.select().from(auditLog);
      const rows = await (integrationId ? query.where(eq(auditLog.integrationId, integrationId)) : query).orderBy(
        desc(auditLog.id),
      );
      return rows.map((row): AuditRecord => row);
    },
    async *stream(filter) {
      const conditions: SQL[] = [];
      if (filter.since) conditions.push(gte(auditLog.at, filter.since));
      if (filter.until) conditions.push(lt(auditLog.at, filter.until));
      if (filter.integrationId) conditions.push(eq(auditLog.integrationId, filter.integrationId));
      let after = 0;
      for (;;) {
        const page = await db
          .select()
          .from(auditLog)
          .where(and(gt(auditLog.id, after), ...conditions))
          .orderBy(asc(auditLog.id))
          .limit(AUDIT_PAGE);
        for (const row of page) yield row;
        if (page.length < AUDIT_PAGE) return;
        after = page[page.length - 1]?.id ?? after;
      }
    },
  };
}

export function createPgWebhookReplayRepository(db: PgDb): WebhookReplayRepository {
  let prunedAt = 0;
  return {
    async remember(signature, now) {
      if (now.getTime() - prunedAt >= REPLAY_PRUNE_EVERY_MS || now.getTime() < prunedAt) {
        await db.delete(webhookReplays).where(lt(webhookReplays.seenAt, new Date(now.getTime() - REPLAY_MEMORY_MS)));
        prunedAt = now.getTime();
      }
      const result = await db.insert(webhookReplays).values({ signature, seenAt: now }).onConflictDoNothing();
      return result.rowCount === 1;
    },
  };
}

/** Consumer reads per minute, counted in one row per consumer; the window is the database's minute, whatever each replica's clock says. */
export function createPgConsumerRateRepository(db: PgDb): ConsumerRateRepository {
  return {
    async take(consumer, perMinute) {
      const window = sql`to_timestamp(floor(extract(epoch from now()) * 1000 / ${RATE_WINDOW_MS}) * ${RATE_WINDOW_MS} / 1000.0)`;
      const [row] = await db
        .insert(consumerRates)
        .values({ consumer, windowStart: window, count: 1 })
        .onConflictDoUpdate({
          target: consumerRates.consumer,
          set: {
            count: sql`case when ${consumerRates.windowStart} = excluded.window_start then ${consumerRates.count} + 1 else 1 end`,
            windowStart: sql`excluded.window_start`,
          },
        })
        .returning({ count: consumerRates.count, windowStart: consumerRates.windowStart, now: sql<string>`now()` });
      if (!row || row.count <= perMinute) return 0;
      return retryAfterSeconds(row.windowStart, new Date(row.now));
    },
  };
}

/** Consumer grants, applied under the catalogue's advisory lock: replicas applying the same file at once record each grant once. */
