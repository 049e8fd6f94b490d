import type { Store } from '../store.js';
import { closePostgres, openPostgres, type PgDb, type PostgresOptions } from './client.js';
import { postgresDialect, type StoreTime } from './dialect.js';
import { createCredentialRepository } from '../repositories/credentials.js';
import { createDeliveryRepository } from '../repositories/deliveries.js';
import { createIntegrationRepository } from '../repositories/integrations.js';
import { createHealthRepository } from '../repositories/health.js';
import { createAuditRepository } from '../repositories/audit.js';
import { runPostgresMigrations } from './migrate.js';
import type { Clock } from '../../domain/clock.js';
import { createPgCredentialLock, type PgCredentialLock } from './locks.js';
import { createRotationRepository } from '../repositories/rotations.js';
import { createConsumerGrantRepository } from '../repositories/consumer-grants.js';
import { createPendingCredentialRepository, createSecretFormRepository } from '../repositories/handover.js';
import { createOAuthStateRepository } from '../repositories/oauth-states.js';
import { createAlertRepository } from '../repositories/alerts.js';
import { createExpiryWarningRepository } from '../repositories/expiry-warnings.js';
import { createPgConsumerRateRepository } from './consumer-rates.js';
import { createWebhookReplayRepository } from '../repositories/webhook-replays.js';

/** The PostgreSQL store: several replicas may share it (every rule that must hold once uses the database to hold it). */
export function createPostgresStore(
  db: PgDb,
  clock: Clock,
  lock: PgCredentialLock,
  time: StoreTime = 'database',
): Store {
  let open = true;
  const dialect = postgresDialect(db, time);
  return {
    integrations: createIntegrationRepository(dialect),
    credentials: createCredentialRepository(dialect, clock),
    health: createHealthRepository(dialect),
    alerts: createAlertRepository(dialect),
    audit: createAuditRepository(dialect),
    oauthStates: createOAuthStateRepository(dialect),
    secretForms: createSecretFormRepository(dialect),
    pendingCredentials: createPendingCredentialRepository(dialect),
    webhookReplays: createWebhookReplayRepository(dialect),
    expiryWarnings: createExpiryWarningRepository(dialect),
    deliveries: createDeliveryRepository(dialect),
    consumerRates: createPgConsumerRateRepository(db, dialect),
    consumerGrants: createConsumerGrantRepository(dialect),
    rotations: createRotationRepository(dialect),
    withCredentialLock: lock.withLock,
    isOpen: () => open,
    async ping() {
      if (!open) return false;
      try {
        await db.$client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    backup: async () => ({
      unsupported:
        "PostgreSQL has its own tools for a consistent copy while it runs: use pg_dump (or your provider's snapshots).",
    }),
    async close() {
      open = false;
      await lock.close();
      await closePostgres(db);
    },
  };
}

/** Connects, migrates under an advisory lock (replicas starting together take turns), and builds the store. */
export async function openPostgresStore(
  url: string,
  clock: Clock,
  options: PostgresOptions & { time?: 'database' | 'clock' } = {},
): Promise<Store> {
  const db = openPostgres(url, options);
  try {
    await runPostgresMigrations(db);
    return createPostgresStore(
      db,
      clock,
      createPgCredentialLock(url, options.onPoolError ? { onPoolError: options.onPoolError } : {}),
      options.time === 'clock' ? clock : 'database',
    );
  } catch (error) {
    await closePostgres(db);
    throw error;
  }
}
