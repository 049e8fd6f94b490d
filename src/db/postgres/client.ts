import pg from 'pg';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };
/** The database or a transaction: what repository helpers run their statements on. */
export type PgExecutor = PgDatabase<NodePgQueryResultHKT, typeof schema>;

export interface PostgresOptions {
  /** Connections per replica. */
  poolSize?: number;
  /** A statement running longer than this is cancelled by the server; the client gives up a little later. */
  statementTimeoutMs?: number;
  /** Waiting longer than this for a connection (server down, pool exhausted) fails the operation. */
  connectTimeoutMs?: number;
  /** Where pool errors go (an idle connection dropped by a server restart). */
  onPoolError?: (error: Error) => void;
}

/** Every statement's limit: a database that stops answering fails an operation within seconds. */
export const STATEMENT_TIMEOUT_MS = 5_000;

/**
 * A bounded pool of connections to PostgreSQL. TLS options (`sslmode`, `sslrootcert`, …) come from the
 * URL as node-postgres reads them. A connection that breaks (the server restarted) is dropped from the
 * pool; the next operation opens a fresh one, so an operation during an outage fails and the next works.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): PgDb {
  const pool = createPool(url, { ...options, applicationName: 'reauth' });
  return drizzle({ client: pool, schema, casing: 'snake_case' }) as PgDb;
}

/** A pool of connections to `url`: the query pool, or the credential locks' own. */
export function createPool(url: string, options: PostgresOptions & { applicationName: string }): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    statement_timeout: statementTimeout,
    // The client's own limit, for a server that stopped answering without closing the connection
    // (a failover, a network partition): the server cannot cancel what it never sees.
    query_timeout: statementTimeout + 1_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // TCP keepalive notices a connection whose server vanished while it sat idle or held a lock.
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
  });
  // An 'error' listener on every client from the moment it connects: node-postgres emits 'error' on a
  // checked-out client whose connection the server ends ("terminating connection due to administrator
  // command" in a restart or failover) while no query is running on it — a credential lock's
  // connection, or a transaction between statements — and an unheard 'error' ends the process. The
  // pool's own listener covers idle clients only (https://node-postgres.com/apis/pool#error).
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)));
  pool.on('error', (error) => options.onPoolError?.(error));
  return pool;
}

export async function closePostgres(db: PgDb): Promise<void> {
  if (!db.$client.ended) await db.$client.end();
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * A DATABASE_URL to another host without a verified TLS connection: credentials (sealed) and audit rows
 * would cross the network readable or to an unverified server. Undefined when it is loopback (or a
 * Unix socket) or sets sslmode=verify-full / verify-ca
 * (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION).
 */
export function plainDatabaseConnection(url: string): { host: string; message: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname || parsed.searchParams.get('host') || '';
  if (host === '' || host.startsWith('/') || LOOPBACK.has(host)) return undefined;
  const mode = parsed.searchParams.get('sslmode');
  if (mode === 'verify-full' || mode === 'verify-ca') return undefined;
  const now = mode
    ? `sslmode=${mode}, which (in libpq's terms) does not verify the server`
    : 'no sslmode, so the connection may not be encrypted';
  return {
    host,
    message: `DATABASE_URL points to ${host} with ${now}. Add ?sslmode=verify-full&sslrootcert=/path/to/ca.pem so the connection is encrypted and the server verified.`,
  };
}
