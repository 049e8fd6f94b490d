import { desc, eq, sql } from 'drizzle-orm';
import { prepared } from '../prepared.js';
import type { Db } from '../client.js';
import { auditLog } from '../schema.js';

export interface AuditEntry {
  actor: string;
  integrationId?: string | null;
  action: string;
  outcome: string;
  fingerprint?: string | null;
  detail?: Record<string, unknown> | null;
}

/** Writes one audit row. Callers pass fingerprints, never secrets. */
export function recordAudit(db: Pick<Db, 'insert'>, entry: AuditEntry, now: Date): void {
  const placeholder = (name: string) => sql.placeholder(name);
  prepared(db, 'recordAudit', () =>
    db
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
      .prepare(),
  ).run({
    at: now,
    actor: entry.actor,
    integrationId: entry.integrationId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    fingerprint: entry.fingerprint ?? null,
    detail: entry.detail ?? null,
  });
}

export function listAudit(db: Db, integrationId?: string) {
  const query = db.select().from(auditLog);
  return (integrationId ? query.where(eq(auditLog.integrationId, integrationId)) : query).orderBy(desc(auditLog.id)).all();
}
