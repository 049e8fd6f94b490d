import { and, asc, eq, sql } from 'drizzle-orm';
import { createDeliveryRepository as createShared } from '../repositories/deliveries.js';
import type { Dialect } from '../repositories/dialect.js';
import type { DeliveryRepository } from '../store.js';
import type { Db } from './client.js';
import { deliveries } from './schema.js';

/**
 * The shared outbox, with SQLite's measured fast path: a credential's delivery lines (read for its
 * Slack notice whenever one of its messages moves) prepared once.
 */
export function createDeliveryRepository(db: Db, dialect: Dialect): DeliveryRepository {
  const forCredential = db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.credentialId, sql.placeholder('credentialId')), eq(deliveries.type, 'credential.updated')))
    .orderBy(asc(deliveries.id))
    .prepare();
  return {
    ...createShared(dialect),
    forCredential: async (credentialId) => forCredential.all({ credentialId }),
  };
}
