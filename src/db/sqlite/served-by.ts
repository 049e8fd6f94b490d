import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { integrations } from './schema.js';

/** Active integrations served by one credential key, in id order: prepared once per use. */
export function prepareServedBy(db: Db) {
  return db
    .select()
    .from(integrations)
    .where(and(eq(integrations.credentialKey, sql.placeholder('key')), isNull(integrations.archivedAt)))
    .orderBy(asc(integrations.id))
    .prepare();
}
