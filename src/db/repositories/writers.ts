import { and, asc, eq, isNull } from 'drizzle-orm';
import type { AuditEntry, Credential, HealthUpdate, Integration } from '../../domain/types.js';
import type { SharedDb, Tables } from './dialect.js';

/** Statements several shared repositories use; each runs on the handle given (the database or a transaction). */

/** Writes one audit row on the handle given (the database, or a transaction the row belongs to). */
export async function insertAuditRow(q: SharedDb, t: Tables, entry: AuditEntry, now: Date): Promise<void> {
  await q.insert(t.auditLog).values({
    at: now,
    actor: entry.actor,
    integrationId: entry.integrationId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    fingerprint: entry.fingerprint ?? null,
    detail: entry.detail ?? null,
  });
}

export async function saveHealth(q: SharedDb, t: Tables, state: HealthUpdate): Promise<void> {
  await q
    .insert(t.healthStates)
    .values(state)
    .onConflictDoUpdate({ target: t.healthStates.integrationId, set: { ...state } });
}

export async function currentCredential(q: SharedDb, t: Tables, key: string): Promise<Credential | undefined> {
  const [row] = await q
    .select()
    .from(t.credentials)
    .where(and(eq(t.credentials.credentialKey, key), isNull(t.credentials.replacedAt)))
    .limit(1);
  return row;
}

/** Keeps a retired credential's metadata for history and erases its secret. */
export async function retireCredential(
  q: SharedDb,
  t: Tables,
  key: string,
  now: Date,
): Promise<Credential | undefined> {
  const [row] = await q
    .update(t.credentials)
    .set({ replacedAt: now, sealedSecret: null, keyId: null })
    .where(and(eq(t.credentials.credentialKey, key), isNull(t.credentials.replacedAt)))
    .returning();
  return row;
}

/** The active integrations one credential key serves, in id order. */
export async function servedBy(q: SharedDb, t: Tables, key: string): Promise<Integration[]> {
  return q
    .select()
    .from(t.integrations)
    .where(and(eq(t.integrations.credentialKey, key), isNull(t.integrations.archivedAt)))
    .orderBy(asc(t.integrations.id));
}
