import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { IntegrationRepository } from '../store.js';
import { createIntegrationRepository as createShared } from '../repositories/integrations.js';
import type { Db } from './client.js';
import type { Dialect } from '../repositories/dialect.js';
import { integrations } from './schema.js';

/**
 * The shared integrations repository, with its two reads on every interaction and probe prepared
 * once (the query builder's per-call SQL building showed in profiles).
 */
export function createIntegrationRepository(db: Db, dialect: Dialect): IntegrationRepository {
  const findActive = db
    .select()
    .from(integrations)
    .where(and(eq(integrations.id, sql.placeholder('id')), isNull(integrations.archivedAt)))
    .prepare();
  const listActive = db
    .select()
    .from(integrations)
    .where(isNull(integrations.archivedAt))
    .orderBy(asc(integrations.id))
    .prepare();
  return {
    ...createShared(dialect),
    listActive: async () => listActive.all(),
    findActive: async (id) => findActive.get({ id }),
  };
}
