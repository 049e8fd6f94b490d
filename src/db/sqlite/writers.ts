import { and, asc, eq, isNull, max, sql } from 'drizzle-orm';
import type { Credential } from '../../domain/types.js';
import type { Writers } from '../repositories/dialect.js';
import { createAuditWriter } from './audit.js';
import type { Db } from './client.js';
import { createHealthWriter } from './health.js';
import { credentials, integrations } from './schema.js';

/**
 * SQLite's measured fast path for the commit's statements: each prepared once per store (drizzle and
 * better-sqlite3 otherwise build and compile every statement on every call, 10–20× the cost of running
 * it). The handle given is not needed: the process has one connection, and a transaction is on it.
 */
export function createSqliteWriters(db: Db, shared: Writers): Writers {
  const current = db
    .select()
    .from(credentials)
    .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
    .prepare();
  const servedBy = db
    .select()
    .from(integrations)
    .where(and(eq(integrations.credentialKey, sql.placeholder('key')), isNull(integrations.archivedAt)))
    .orderBy(asc(integrations.id))
    .prepare();
  const lastVersion = db
    .select({ version: max(credentials.version) })
    .from(credentials)
    .where(eq(credentials.credentialKey, sql.placeholder('key')))
    .prepare();
  const retire = db
    .update(credentials)
    .set({ replacedAt: sql`${sql.placeholder('now')}`, sealedSecret: null, keyId: null })
    .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
    .returning()
    .prepare();
  const markServed = db
    .update(integrations)
    .set({ credentialVersion: sql`max(${integrations.credentialVersion}, ${sql.placeholder('version')})` })
    .where(eq(integrations.id, sql.placeholder('id')))
    .prepare();
  const audit = createAuditWriter(db);
  const health = createHealthWriter(db);
  return {
    currentCredential: async (_q, key) => current.get({ key }) satisfies Credential | undefined,
    servedBy: async (_q, key) => servedBy.all({ key }),
    lastVersion: async (_q, key) => lastVersion.get({ key })?.version ?? 0,
    // epoch ms, as the timestamp_ms column stores it
    retireCredential: async (_q, key, now) => retire.get({ now: now.getTime(), key }),
    async markServedVersion(_q, served, version) {
      for (const integration of served) markServed.run({ id: integration.id, version });
    },
    saveHealth: async (_q, state) => health.save(state),
    insertAuditRow: async (_q, entry, now) => audit.record(entry, now),
    writeOutbox: shared.writeOutbox,
  };
}
