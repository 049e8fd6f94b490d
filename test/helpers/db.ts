import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../../src/db/sqlite/client.js';
import { runMigrations } from '../../src/db/sqlite/migrate.js';
import { createSqliteStore } from '../../src/db/sqlite/store.js';
import type { CatalogueFields, Store } from '../../src/db/store.js';
import type { Clock } from '../../src/domain/clock.js';
import type { Credential } from '../../src/domain/types.js';

/** A fresh in-memory database with the real migrations applied. */
export function memoryDb(): Db {
  const db = openDatabase(':memory:');
  runMigrations(db);
  return db;
}

/** The SQLite store over a database the test opened itself, with that handle for direct checks. */
export function sqliteStoreOver(db: Db, clock?: Clock): Store & { db: Db } {
  return Object.assign(createSqliteStore(db, clock), { db });
}

/** The SQLite store over a fresh in-memory database, with the test's drizzle handle for direct checks. */
export function memoryStore(clock?: Clock): Store & { db: Db } {
  return sqliteStoreOver(memoryDb(), clock);
}

/** The SQLite store over a migrated file (created if needed), with the test's handle for direct checks. */
export function fileStore(path: string, clock?: Clock): Store & { db: Db } {
  const db = openDatabase(path);
  runMigrations(db);
  return sqliteStoreOver(db, clock);
}

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'reauth-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A migrated database in a file, for tests that inspect the bytes on disk. */
export function fileDb(): { db: Db; path: string; cleanup: () => void } {
  const dir = tempDir();
  const path = join(dir.path, 'nested', 'reauth.db');
  const db = openDatabase(path);
  runMigrations(db);
  return {
    db,
    path,
    cleanup: () => {
      closeDatabase(db);
      dir.cleanup();
    },
  };
}

const stores = new WeakMap<Db, Store>();
/** The store over a database a test opened itself (one per database, so its calls take turns in one queue). */
export function storeOver(db: Db): Store {
  let store = stores.get(db);
  if (!store) {
    store = createSqliteStore(db);
    stores.set(db, store);
  }
  return store;
}

/**
 * Seeds a credential version through the store's own commit (the previous one for its key retired), as
 * a re-authentication would leave it: health "not checked yet" for what it serves, and an audit row
 * about no integration, so tests counting an integration's audit rows see only their own.
 */
export async function seedCredential(
  store: Store,
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
    | 'retiredByVendor'
  > &
    Partial<Pick<Credential, 'identity' | 'scopes' | 'expiresAt' | 'binding'>>,
  now: Date,
): Promise<Credential> {
  const { credential } = await store.credentials.commit(
    {
      credential: { identity: null, scopes: null, expiresAt: null, binding: null, ...next },
      health: { status: 'unknown', reason: 'Not checked yet.', consecutiveFailures: 0 },
      audit: { actor: 'test', action: 'test.seed', outcome: 'success' },
    },
    now,
  );
  return credential;
}

/** The catalogue fields of a plain test integration `id` (a GitLab PAT unless `over` says otherwise). */
export const catalogueFields = (id: string, over: Partial<CatalogueFields> = {}): CatalogueFields => ({
  name: id,
  provider: 'gitlab',
  authType: 'pat',
  url: 'https://gitlab.example',
  organization: null,
  service: null,
  accountId: null,
  repository: null,
  machine: null,
  channel: null,
  owners: [],
  credentialKey: `integration:${id}`,
  ...over,
});
