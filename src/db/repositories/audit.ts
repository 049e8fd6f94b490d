import { and, asc, desc, eq, gt, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { AuditRecord } from '../../domain/types.js';
import type { AuditRepository } from '../store.js';
import { type Dialect, rowsChanged } from './dialect.js';

/** The audit export reads this many rows at a time, by id: memory stays flat however long the log. */
const AUDIT_PAGE = 1000;
/** Pruning deletes this many rows per statement: each one short, well within the statement time limit. */
const PRUNE_BATCH = 5000;

/** The audit log: one row per thing that happened, pruned past its retention, exported in pages. */
export function createAuditRepository({ db, tables: t, writers }: Dialect): AuditRepository {
  const { auditLog } = t;
  return {
    record: (entry, now) => writers.insertAuditRow(db, entry, now),
    async prune(before) {
      let removed = 0;
      for (;;) {
        const oldest = db
          .select({ id: auditLog.id })
          .from(auditLog)
          .where(lt(auditLog.at, before))
          .orderBy(asc(auditLog.id))
          .limit(PRUNE_BATCH);
        const batch = rowsChanged(await db.delete(auditLog).where(inArray(auditLog.id, oldest)));
        removed += batch;
        if (batch < PRUNE_BATCH) return removed;
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
