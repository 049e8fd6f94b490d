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
    async list(integrationId) {
      const query = db.select().from(auditLog);
      const rows = (integrationId ? query.where(eq(auditLog.integrationId, integrationId)) : query).orderBy(desc(auditLog.id)).all();
      return rows.map((row): AuditRecord => row);
    },
  };
}
