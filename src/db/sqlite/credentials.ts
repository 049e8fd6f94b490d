import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../domain/clock.js';
import { createCredentialRepository as createShared } from '../repositories/credentials.js';
import type { CredentialRepository } from '../store.js';
import { sqliteDialect, type Db } from './client.js';
import { credentials } from './schema.js';

/** The current credential of a key: prepared once per use. */
export function prepareCurrentCredential(db: Db) {
  return db
    .select()
    .from(credentials)
    .where(and(eq(credentials.credentialKey, sql.placeholder('key')), isNull(credentials.replacedAt)))
    .prepare();
}

/** The shared credentials repository, with the current credential (read on every pull and probe) prepared once. */
export function createCredentialRepository(db: Db, clock: Clock): CredentialRepository {
  const current = prepareCurrentCredential(db);
  return {
    ...createShared(sqliteDialect(db), clock),
    current: async (key) => current.get({ key }),
  };
}
