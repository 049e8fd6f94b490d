import { systemClock, type Clock } from '../../domain/clock.js';
import type { Store } from '../store.js';
import { createConsumerGrantRepository } from '../repositories/consumer-grants.js';
import { createRotationRepository } from '../repositories/rotations.js';
import { createConsumerRateRepository } from './consumer-rates.js';
import { createAlertRepository } from '../repositories/alerts.js';
import { createAuditRepository } from './audit.js';
import { closeDatabase, openDatabase, type Db } from './client.js';
import { createCredentialRepository } from '../repositories/credentials.js';
import { sqliteDialect } from './dialect.js';
import { createDeliveryRepository } from './deliveries.js';
import { createExpiryWarningRepository } from '../repositories/expiry-warnings.js';
import { createHealthRepository } from './health.js';
import { createIntegrationRepository } from './integrations.js';
import { createSqliteCredentialLock } from './locks.js';
import { runMigrations } from './migrate.js';
import { createOAuthStateRepository } from '../repositories/oauth-states.js';
import { createPendingCredentialRepository, createSecretFormRepository } from '../repositories/handover.js';
import { createWebhookReplayRepository } from './webhook-replays.js';
import { createSerialQueue, serialized } from './serial.js';

/** The SQLite store over an open, migrated database. Statements are prepared once, here. */
export function createSqliteStore(db: Db, clock: Clock = systemClock): Store {
  // Every repository call runs in turn (serial.ts): a transaction never takes in another request's statement.
  const run = createSerialQueue();
  const turn = <R extends object>(repository: R, except: readonly (keyof R)[] = []) =>
    serialized(repository, run, except);
  const webhookReplays = createWebhookReplayRepository(db, run);
  const dialect = sqliteDialect(db, clock);
  return {
    integrations: turn(createIntegrationRepository(db, dialect)),
    credentials: turn(createCredentialRepository(dialect, clock)),
    health: turn(createHealthRepository(db, dialect)),
    alerts: turn(createAlertRepository(dialect)),
    // record and prune take their turns themselves (a batch each); stream is read lazily.
    audit: turn(createAuditRepository(db, dialect, run), ['record', 'prune', 'stream']),
    oauthStates: turn(createOAuthStateRepository(dialect)),
    secretForms: turn(createSecretFormRepository(dialect)),
    pendingCredentials: turn(createPendingCredentialRepository(dialect)),
    webhookReplays: turn(webhookReplays, ['flush']),
    expiryWarnings: turn(createExpiryWarningRepository(dialect)),
    deliveries: turn(createDeliveryRepository(db, dialect)),
    // In memory: one server process answers consumers on SQLite.
    consumerRates: createConsumerRateRepository(clock),
    consumerGrants: turn(createConsumerGrantRepository(dialect)),
    rotations: turn(createRotationRepository(dialect)),
    // The server and the CLI on one file: a lease row in the database is the lock.
    withCredentialLock: createSqliteCredentialLock(db, { run }),
    isOpen: () => db.$client.open,
    // A file next to the process: it answers while it is open.
    ping: async () => db.$client.open,
    // SQLite's online backup: a consistent copy while the server keeps writing (https://www.sqlite.org/backup.html).
    backup: async (path) => ({ pages: (await db.$client.backup(path)).totalPages }),
    close: async () => {
      // Signatures seen in the last moments reach the file before it closes.
      webhookReplays.flush();
      closeDatabase(db);
    },
  };
}

/** Opens (creating it if needed) and migrates the SQLite file, then builds the store. */
export function openSqliteStore(path: string, clock: Clock = systemClock): Store {
  const db = openDatabase(path);
  try {
    runMigrations(db);
    return createSqliteStore(db, clock);
  } catch (error) {
    closeDatabase(db);
    throw error;
  }
}
