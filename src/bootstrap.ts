import { loadCatalogueFile } from './catalogue/load.js';
import { syncCatalogue, type SyncSummary } from './catalogue/sync.js';
import { formatCatalogueError } from './catalogue/types.js';
import type { Config } from './config.js';
import { createKeyring } from './crypto/keyring.js';
import { closeDatabase, openDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createHttpClient, type HttpClient } from './providers/http.js';
import { providerConcurrencyCaps } from './providers/registry.js';
import { systemClock, type Clock, type ServiceDeps } from './services/deps.js';

export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * Opens and migrates the database, loads and syncs the catalogue, and assembles the services'
 * dependencies. An invalid catalogue stops here with every problem listed.
 */
export function bootstrap(config: Config, logger: Logger, options: { clock?: Clock; http?: HttpClient } = {}): { deps: ServiceDeps; sync: SyncSummary } {
  if (!config.secretKey) throw new StartupError('REAUTH_SECRET_KEY is required.');
  const catalogue = loadCatalogueFile(config.integrationsFile);
  if (!catalogue.ok) {
    throw new StartupError([`${config.integrationsFile} is invalid:`, ...catalogue.errors.map((e) => `  - ${formatCatalogueError(e)}`)].join('\n'));
  }
  const db = openDatabase(config.databasePath);
  try {
    runMigrations(db);
    const clock = options.clock ?? systemClock;
    const sync = syncCatalogue(db, catalogue.entries, clock.now());
    const http =
      options.http ??
      createHttpClient({ providerConcurrency: providerConcurrencyCaps() });
    return { deps: { config, db, keyring: createKeyring(config.secretKey, config.previousKeys), http, logger, clock }, sync };
  } catch (error) {
    closeDatabase(db);
    throw error;
  }
}
