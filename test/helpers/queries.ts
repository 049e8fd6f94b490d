import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../src/db/sqlite/client.js';
import { alerts, auditLog, credentials, healthStates, integrations, oauthStates } from '../../src/db/sqlite/schema.js';
import type {
  Alert,
  AuditRecord,
  Credential,
  HealthState,
  HealthUpdate,
  Integration,
  OAuthState,
} from '../../src/domain/types.js';

/**
 * Direct reads (and a few seeding writes) of the SQLite file, for tests to check what was stored
 * without going through the services under test.
 */

export const currentCredential = (db: Db, credentialKey: string): Credential | undefined =>
  db
    .select()
    .from(credentials)
    .where(and(eq(credentials.credentialKey, credentialKey), isNull(credentials.replacedAt)))
    .get();

export const findActiveIntegration = (db: Db, id: string): Integration | undefined =>
  db
    .select()
    .from(integrations)
    .where(and(eq(integrations.id, id), isNull(integrations.archivedAt)))
    .get();

export const listActiveIntegrations = (db: Db): Integration[] =>
  db.select().from(integrations).where(isNull(integrations.archivedAt)).orderBy(asc(integrations.id)).all();

export const listIntegrationsByIds = (db: Db, ids: readonly string[]): Integration[] =>
  ids.length === 0
    ? []
    : db
        .select()
        .from(integrations)
        .where(inArray(integrations.id, [...ids]))
        .orderBy(asc(integrations.id))
        .all();

export const healthOf = (db: Db, integrationId: string): HealthState | undefined =>
  db.select().from(healthStates).where(eq(healthStates.integrationId, integrationId)).get();

export function saveHealth(db: Db, state: HealthUpdate): void {
  db.insert(healthStates)
    .values(state)
    .onConflictDoUpdate({ target: healthStates.integrationId, set: { ...state } })
    .run();
}

export function listAudit(db: Db, integrationId?: string): AuditRecord[] {
  const query = db.select().from(auditLog);
  return (integrationId ? query.where(eq(auditLog.integrationId, integrationId)) : query)
    .orderBy(desc(auditLog.id))
    .all();
}

export const listOpenAlerts = (db: Db): Alert[] => db.select().from(alerts).where(isNull(alerts.resolvedAt)).all();

export const findOAuthState = (db: Db, stateHash: string): OAuthState | undefined =>
  db.select().from(oauthStates).where(eq(oauthStates.stateHash, stateHash)).get();

/** Seeds a credential version directly: retires the current one for the key and inserts this one. */
export function swapCredential(
  db: Db,
  next: Omit<
    Credential,
    | 'id'
    | 'replacedAt'
    | 'identity'
    | 'scopes'
    | 'expiresAt'
    | 'binding'
    | 'version'
    | 'updatedAt'
    | 'refreshRetryAt'
    | 'refreshError'
    | 'tokenName'
  > &
    Partial<Pick<Credential, 'identity' | 'scopes' | 'expiresAt' | 'binding' | 'version'>>,
  now: Date,
): Credential {
  db.update(credentials)
    .set({ replacedAt: now, sealedSecret: null, keyId: null })
    .where(and(eq(credentials.credentialKey, next.credentialKey), isNull(credentials.replacedAt)))
    .run();
  return db.insert(credentials).values(next).returning().get();
}
