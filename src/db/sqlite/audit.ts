import { desc, eq, sql } from 'drizzle-orm';
import type { AuditEntry, AuditRecord } from '../../domain/types.js';
import type { AuditRepository } from '../store.js';
import type { Db } from './client.js';
import { auditLog } from './schema.js';

/** The one prepared insert of an audit row; synchronous, so it also runs inside a transaction. */
export function createAuditWriter(db: Db) {
  const placeholder = (name: string) => sql.placeholder(name);
  const insert = db
    .insert(auditLog)
    .values({
      at: placeholder('at'),
      actor: placeholder('actor'),
      integrationId: placeholder('integrationId'),
      action: placeholder('action'),
      outcome: placeholder('outcome'),
      fingerprint: placeholder('fingerprint'),
      detail: placeholder('detail'),
    })
    .prepare();
  return {
    record(entry: AuditEntry, now: Date): void {
      insert.run({
        at: now,
        actor: entry.actor,
        integrationId: entry.integrationId ?? null,
        action: entry.action,
        outcome: entry.outcome,
        fingerprint: entry.fingerprint ?? null,
        detail: entry.detail ?? null,
      });
    },
  };
}

export function createAuditRepository(db: Db): AuditRepository {
  const writer = createAuditWriter(db);
  return {
    record: async (entry, now) => writer.record(entry, now),
    async *stream(filter) {
      const where: string[] = [];
      const params: (number | string)[] = [];
      const condition = (clause: string, param: number | string) => {
        where.push(clause);
        params.push(param);
      };
      if (filter.since) condition('at >= ?', filter.since.getTime());
      if (filter.until) condition('at < ?', filter.until.getTime());
      if (filter.integrationId) condition('integration_id = ?', filter.integrationId);
      // better-sqlite3 steps through the rows one at a time: memory stays flat however long the log.
      const rows = db.$client
        .prepare(`select id, at, actor, integration_id, action, outcome, fingerprint, detail from audit_log ${where.length ? `where ${where.join(' and ')}` : ''} order by id`)
        .iterate(...params) as IterableIterator<RawAuditRow>;
      for (const row of rows) yield toRecord(row);
    },
    async list(integrationId) {
      const query = db.select().from(auditLog);
      const rows = (integrationId ? query.where(eq(auditLog.integrationId, integrationId)) : query).orderBy(desc(auditLog.id)).all();
      return rows.map((row): AuditRecord => row);
    },
  };
}

interface RawAuditRow {
  id: number;
  at: number;
  actor: string;
  integration_id: string | null;
  action: string;
  outcome: string;
  fingerprint: string | null;
  detail: string | null;
}

function toRecord(row: RawAuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(row.at),
    actor: row.actor,
    integrationId: row.integration_id,
    action: row.action,
    outcome: row.outcome,
    fingerprint: row.fingerprint,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  };
}
