import type { AuditEntry } from '../../domain/types.js';
import type { SharedDb, Tables } from './dialect.js';

/** Writes one audit row on the handle given (the database, or a transaction the row belongs to). */
export async function insertAuditRow(q: SharedDb, tables: Tables, entry: AuditEntry, now: Date): Promise<void> {
  await q.insert(tables.auditLog).values({
    at: now,
    actor: entry.actor,
    integrationId: entry.integrationId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    fingerprint: entry.fingerprint ?? null,
    detail: entry.detail ?? null,
  });
}
