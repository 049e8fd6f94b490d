import { describe, expect, it } from 'vitest';
import { openDatabase, closeDatabase } from '../../../src/db/sqlite/client.js';
import { runMigrations } from '../../../src/db/sqlite/migrate.js';
import { fileDb, memoryDb } from '../../helpers/db.js';

const TABLES = [
  'alerts',
  'audit_log',
  'consumer_grants',
  'consumer_rates',
  'credential_locks',
  'credentials',
  'deliveries',
  'delivery_notices',
  'expiry_warnings',
  'health_states',
  'integrations',
  'oauth_states',
  'pending_credentials',
  'rotation_attempts',
  'secret_forms',
  'store_markers',
  'token_revocations',
  'webhook_replays',
];

function tablesOf(db: ReturnType<typeof memoryDb>): string[] {
  return (
    db.$client
      .prepare(
        "select name from sqlite_master where type='table' and name not like 'sqlite_%' and name not like '__drizzle%' order by name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

describe('migrations', () => {
  it('create every table in memory', () => {
    expect(tablesOf(memoryDb())).toEqual(TABLES);
  });

  it('create the folder and every table in a file, with WAL, foreign keys and a busy timeout', () => {
    const store = fileDb();
    try {
      expect(tablesOf(store.db)).toEqual(TABLES);
      expect(store.db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.$client.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      store.cleanup();
    }
  });

  it('are idempotent: a second run on the same file applies nothing and keeps data', () => {
    const store = fileDb();
    try {
      store.db.$client.prepare("insert into webhook_replays (signature, seen_at) values ('s', 1)").run();
      closeDatabase(store.db);
      const again = openDatabase(store.path);
      runMigrations(again);
      expect(again.$client.prepare('select count(*) as n from webhook_replays').get()).toEqual({ n: 1 });
      closeDatabase(again);
    } finally {
      store.cleanup();
    }
  });

  it('enforce foreign keys', () => {
    const db = memoryDb();
    expect(() =>
      db.$client
        .prepare(
          "insert into health_states (integration_id, status, consecutive_failures) values ('nope', 'unknown', 0)",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('allow at most one current credential per key and one open alert per key', () => {
    const db = memoryDb();
    const insertCredential = db.$client.prepare(
      "insert into credentials (credential_key, provider, auth_type, fingerprints, created_by, created_at) values ('k', 'github', 'pat', '[]', 'U', 1)",
    );
    insertCredential.run();
    expect(() => insertCredential.run()).toThrow(/UNIQUE/);
    const insertAlert = db.$client.prepare(
      "insert into alerts (alert_key, integration_ids, channel, opened_at) values ('a', '[]', 'C1', 1)",
    );
    insertAlert.run();
    expect(() => insertAlert.run()).toThrow(/UNIQUE/);
  });
});
