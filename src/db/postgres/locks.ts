import { createKeyedLock } from '../../domain/keyed-lock.js';
import { createPool } from './client.js';

/** The advisory-lock class of credential operations (the first key of the two-key form), apart from the commit's transaction lock. */
const CREDENTIAL_OPERATION_LOCK = 7301;

export interface PgCredentialLock {
  withLock<T>(credentialKey: string, task: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One credential operation at a time per key across every replica and the CLI: a session advisory
 * lock held on a connection of its own for the operation's length (re-read → provider call →
 * persist). Tasks of one process queue in memory first, so a process holds at most one connection per
 * key. A replica that dies loses its connection, and PostgreSQL releases the lock with it
 * (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS).
 */
export function createPgCredentialLock(
  url: string,
  options: { poolSize?: number; waitMs?: number; onPoolError?: (error: Error) => void } = {},
): PgCredentialLock {
  const local = createKeyedLock();
  // Waiting for the lock is waiting for another replica's provider call (bounded by its timeouts).
  const wait = options.waitMs ?? 60_000;
  const pool = createPool(url, {
    poolSize: options.poolSize ?? 16,
    statementTimeoutMs: wait,
    connectTimeoutMs: wait,
    applicationName: 'reauth-locks',
    ...(options.onPoolError ? { onPoolError: options.onPoolError } : {}),
  });
  return {
    withLock: (credentialKey, task) =>
      local(credentialKey, async () => {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query('select pg_advisory_lock($1, hashtext($2))', [CREDENTIAL_OPERATION_LOCK, credentialKey]);
          try {
            return await task();
          } finally {
            await client
              .query('select pg_advisory_unlock($1, hashtext($2))', [CREDENTIAL_OPERATION_LOCK, credentialKey])
              .catch(() => {
                // The connection broke: PostgreSQL released the lock with it; this connection is not reused.
                broken = true;
              });
          }
        } finally {
          client.release(broken);
        }
      }),
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}
