import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { prepared } from '../prepared.js';
import type { Db } from '../client.js';
import { integrations } from '../schema.js';

export type IntegrationRow = typeof integrations.$inferSelect;

export function listActiveIntegrations(db: Db): IntegrationRow[] {
  return db.select().from(integrations).where(isNull(integrations.archivedAt)).orderBy(asc(integrations.id)).all();
}

export function findActiveIntegration(db: Pick<Db, 'select'>, id: string): IntegrationRow | undefined {
  return prepared(db, 'findActiveIntegration', () =>
    db
      .select()
      .from(integrations)
      .where(and(eq(integrations.id, sql.placeholder('id')), isNull(integrations.archivedAt)))
      .prepare(),
  ).get({ id });
}

export function listIntegrationsByCredentialKey(db: Pick<Db, 'select'>, credentialKey: string): IntegrationRow[] {
  return prepared(db, 'listIntegrationsByCredentialKey', () =>
    db
      .select()
      .from(integrations)
      .where(and(eq(integrations.credentialKey, sql.placeholder('key')), isNull(integrations.archivedAt)))
      .orderBy(asc(integrations.id))
      .prepare(),
  ).all({ key: credentialKey });
}

export function listIntegrationsByIds(db: Pick<Db, 'select'>, ids: readonly string[]): IntegrationRow[] {
  if (ids.length === 0) return [];
  return db.select().from(integrations).where(inArray(integrations.id, [...ids])).orderBy(asc(integrations.id)).all();
}
