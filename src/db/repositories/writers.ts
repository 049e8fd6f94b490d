import { and, asc, eq, inArray, isNull, max } from 'drizzle-orm';
import type { Credential, HealthUpdate, Integration } from '../../domain/types.js';
import { outboxRows } from '../engine-rules.js';
import type { OutboxWrite } from '../store.js';
import type { Dialect, SharedDb, Tables } from './dialect.js';

/** Statements several shared repositories use; each runs on the handle given (the database or a transaction). */

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

/** The highest version a key has had, retired ones included (0 for none). */
export async function lastVersion(q: SharedDb, t: Tables, key: string): Promise<number> {
  const [row] = await q
    .select({ version: max(t.credentials.version) })
    .from(t.credentials)
    .where(eq(t.credentials.credentialKey, key));
  return row?.version ?? 0;
}

/** Records the version each served integration now holds (the floor of its next one). */
export async function markServedVersion(
  q: SharedDb,
  dialect: Dialect,
  served: readonly { id: string }[],
  version: number,
): Promise<void> {
  if (served.length === 0) return;
  const { integrations } = dialect.tables;
  await q
    .update(integrations)
    .set({ credentialVersion: dialect.greatest(integrations.credentialVersion, version) })
    .where(
      inArray(
        integrations.id,
        served.map((s) => s.id),
      ),
    );
}

/** The outbox rows of one credential version, written in the transaction that makes it. */
export async function writeOutbox(
  q: SharedDb,
  dialect: Dialect,
  outbox: OutboxWrite | undefined,
  credential: { id: number; version: number },
  served: readonly { id: string }[],
  now: Date,
): Promise<void> {
  const due = dialect.dueNow(now);
  const rows = outboxRows(outbox, credential, served, now).map((row) => ({ ...row, nextAttemptAt: due }));
  if (rows.length > 0) await q.insert(dialect.tables.deliveries).values(rows);
}
