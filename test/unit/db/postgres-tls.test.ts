import pg from 'pg';
import { systemClock } from '../../../src/domain/clock.js';
import { plainDatabaseConnection } from '../../../src/db/postgres/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../src/db/postgres/store.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';

/** TLS options reach PostgreSQL from DATABASE_URL as written (node-postgres reads sslmode and sslrootcert). */
describe('PostgreSQL over TLS', () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres({ tls: true });
  });
  afterAll(async () => postgres?.close());

  it('connects with sslmode=verify-full against the server certificate, and the session is encrypted', async () => {
    const url = `${await postgres.newDatabase()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(postgres.certificate ?? '')}`;
    const store = await openPostgresStore(url, systemClock);
    try {
      expect(await store.ping()).toBe(true);
      // The store's own sessions (application_name reauth), seen from a session of the test's.
      const observer = new pg.Client({ connectionString: url, application_name: 'tls-observer' });
      await observer.connect();
      try {
        const result = await observer.query<{ ssl: boolean }>(
          "select s.ssl from pg_stat_ssl s join pg_stat_activity a using (pid) where a.application_name = 'reauth' and a.datname = current_database()",
        );
        expect(result.rows.length).toBeGreaterThan(0);
        expect(result.rows.every((row) => row.ssl)).toBe(true);
      } finally {
        await observer.end();
      }
    } finally {
      await store.close();
    }
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    const url = `${await postgres.newDatabase()}?sslmode=verify-full`;
    await expect(openPostgresStore(url, systemClock)).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});

describe('a DATABASE_URL without verified TLS', () => {
  it('is named at start-up with what to set, unless it is loopback or verify-full / verify-ca', () => {
    expect(plainDatabaseConnection('postgres://reauth:pw@db.internal:5432/reauth')).toMatchObject({
      host: 'db.internal',
      message: expect.stringContaining('sslmode=verify-full'),
    });
    expect(plainDatabaseConnection('postgres://reauth:pw@db.internal/reauth?sslmode=require')?.message).toMatch(
      /sslmode=require.*does not verify the server.*verify-full/,
    );
    expect(
      plainDatabaseConnection('postgres://reauth:pw@db.internal/reauth?sslmode=verify-full&sslrootcert=/ca.pem'),
    ).toBeUndefined();
    expect(plainDatabaseConnection('postgres://reauth:pw@db.internal/reauth?sslmode=verify-ca')).toBeUndefined();
    expect(plainDatabaseConnection('postgres://reauth@127.0.0.1:5432/reauth')).toBeUndefined();
    expect(plainDatabaseConnection('postgres://reauth@localhost/reauth')).toBeUndefined();
    expect(plainDatabaseConnection('postgres://reauth:pw@db.internal/reauth')?.message).not.toContain('pw');
  });
});
