import { and, asc, eq, inArray, isNull, max, sql } from 'drizzle-orm';
import type { AuditEntry, Credential, HealthUpdate, Integration } from '../../domain/types.js';
import { outboxRows } from '../engine-rules.js';
import type { OutboxWrite } from '../store.js';
import type { PgExecutor } from './client.js';
import { auditLog, credentials, deliveries, healthStates, integrations } from './schema.js';

/** Statements shared by several repositories; each runs on the database or inside a transaction. */

// One advisory lock for catalogue syncs (and consumer grants): replicas starting together apply the file one after another.
export { CATALOGUE_SYNC_LOCK } from '../repositories/dialect.js';

export async function recordAudit(q: PgExecutor, entry: AuditEntry, now: Date): Promise<void> {
  await q.insert(auditLog).values({
    at: now,
    actor: entry.actor,
    integrationId: entry.integrationId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    fingerprint: entry.fingerprint ?? null,
    detail: entry.detail ?? null,
  });
}

export async function saveHealth(q: PgExecutor, state: HealthUpdate): Promise<void> {
  await q
    .insert(healthStates)
    .values(state)
    .onConflictDoUpdate({ target: healthStates.integrationId, set: { ...state } });
}

export async function currentCredential(q: PgExecutor, key: string): Promise<Credential | undefined> {
  const [row] = await q
    .select()
    .from(credentials)
    .where(and(eq(credentials.credentialKey, key), isNull(credentials.replacedAt)));
  return row;
}

/** Keeps a retired credential's metadata for history and erases its secret. */
export async function retireCredential(q: PgExecutor, key: string, now: Date): Promise<Credential | undefined> {
  const [row] = await q
    .update(credentials)
    .set({ replacedAt: now, sealedSecret: null, keyId: null })
    .where(and(eq(credentials.credentialKey, key), isNull(credentials.replacedAt)))
    .returning();
  return row;
}

export async function servedBy(q: PgExecutor, key: string): Promise<Integration[]> {
  return q
    .select()
    .from(integrations)
    .where(and(eq(integrations.credentialKey, key), isNull(integrations.archivedAt)))
    .orderBy(asc(integrations.id));
}

export async function lastVersion(q: PgExecutor, key: string): Promise<number> {
  const [row] = await q
    .select({ version: max(credentials.version) })
    .from(credentials)
    .where(eq(credentials.credentialKey, key));
  return row?.version ?? 0;
}

/**
 * Serialises changes to one credential key across replicas for the rest of the transaction
 * (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS).
 */
export async function lockCredentialKey(q: PgExecutor, key: string): Promise<void> {
  await q.execute(sql`select pg_advisory_xact_lock(hashtext(${`credential:${key}`}))`);
}

/** The outbox rows of one credential version, written in the transaction that makes it. */
export async function writeOutbox(
  q: PgExecutor,
  outbox: OutboxWrite | undefined,
  credential: { id: number; version: number },
  served: readonly { id: string }[],
  now: Date,
): Promise<void> {
  // Due by the database's clock, which decides every delivery time (a replica's own clock may be off).
  const rows = outboxRows(outbox, credential, served, now).map((row) => ({ ...row, nextAttemptAt: sql`now()` }));
  if (rows.length > 0) await q.insert(deliveries).values(rows);
}

/** Records the version each served integration now holds (the floor of its next one). */
export async function markServedVersion(
  q: PgExecutor,
  served: readonly { id: string }[],
  version: number,
): Promise<void> {
  if (served.length === 0) return;
  await q
    .update(integrations)
    .set({ credentialVersion: sql`greatest(${integrations.credentialVersion}, ${version})` })
    .where(
      inArray(
        integrations.id,
        served.map((s) => s.id),
      ),
    );
}
