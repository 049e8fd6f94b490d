import { eq, inArray, max, sql } from 'drizzle-orm';
import type { AuditEntry, Credential, HealthUpdate, Integration } from '../../domain/types.js';
import { outboxRows } from '../engine-rules.js';
import type { OutboxWrite } from '../store.js';
import { credentialKeyLock, type PgExecutor } from './client.js';
import type { SharedDb } from '../repositories/dialect.js';
import {
  currentCredential as currentCredentialOn,
  insertAuditRow,
  retireCredential as retireCredentialOn,
  saveHealth as saveHealthOn,
  servedBy as servedByOn,
} from '../repositories/writers.js';
import * as schema from './schema.js';
import { credentials, deliveries, integrations } from './schema.js';

/**
 * Statements the PostgreSQL credentials and deliveries repositories share, on the database or inside a
 * transaction: the ones both engines write the same way delegate to db/repositories/writers.ts.
 */
const shared = (q: PgExecutor) => q as unknown as SharedDb;

export const recordAudit = (q: PgExecutor, entry: AuditEntry, now: Date): Promise<void> =>
  insertAuditRow(shared(q), schema, entry, now);
export const saveHealth = (q: PgExecutor, state: HealthUpdate): Promise<void> => saveHealthOn(shared(q), schema, state);
export const currentCredential = (q: PgExecutor, key: string): Promise<Credential | undefined> =>
  currentCredentialOn(shared(q), schema, key);
/** Keeps a retired credential's metadata for history and erases its secret. */
export const retireCredential = (q: PgExecutor, key: string, now: Date): Promise<Credential | undefined> =>
  retireCredentialOn(shared(q), schema, key, now);
export const servedBy = (q: PgExecutor, key: string): Promise<Integration[]> => servedByOn(shared(q), schema, key);

export async function lastVersion(q: PgExecutor, key: string): Promise<number> {
  const [row] = await q
    .select({ version: max(credentials.version) })
    .from(credentials)
    .where(eq(credentials.credentialKey, key));
  return row?.version ?? 0;
}

/** See credentialKeyLock. */
export async function lockCredentialKey(q: PgExecutor, key: string): Promise<void> {
  await q.execute(credentialKeyLock(key));
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
