import type pg from 'pg';
import { createKeyedLock } from '../../keyed-lock.js';
import { pollForLock } from '../engine-rules.js';
import { createPool } from './client.js';

/** The advisory-lock class of credential operations (the first key of the two-key form), apart from the commit's transaction lock. */
const CREDENTIAL_OPERATION_LOCK = 7301;

export interface PgCredentialLock {
  withLock<T>(credentialKey: string, task: (lost: AbortSignal) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One credential operation at a time per key across every replica and the CLI: a session advisory
 * lock held on a connection of its own for the operation's length (re-read → provider call →
 * persist). Tasks of one process queue in memory first, so a process holds at most one connection per
 * key. A replica that dies loses its connection, and PostgreSQL releases the lock with it
 * (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS).
 *
 * The lock is taken with `pg_try_advisory_lock`, polled while another process holds it, so every
 * statement is short and bounded by the client's time limit: a database that vanishes fails the wait
 * within seconds, and the whole wait is bounded by `waitMs`. If the lock's connection breaks while the
 * task runs (a restart or failover — the server released the lock with it), the task's `lost` signal
 * aborts: it must not start another provider call, and its commit is fenced on the credential it read.
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
    applicationName: 'reauth-locks',
    ...(options.onPoolError ? { onPoolError: options.onPoolError } : {}),
  });

  const acquire = (client: pg.PoolClient, credentialKey: string) =>
    pollForLock(
      credentialKey,
      async () =>
        (
          await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as locked', [
            CREDENTIAL_OPERATION_LOCK,
            credentialKey,
          ])
        ).rows[0]?.locked === true,
      wait,
      { first: 25, most: 500 },
    );

  return {
    withLock: (credentialKey, task) =>
      local(credentialKey, async () => {
        const client = await pool.connect();
        const lost = new AbortController();
        const onLost = (error?: Error) => lost.abort(error ?? new Error('the credential lock connection closed'));
        client.on('error', onLost);
        client.on('end', onLost);
        try {
          await acquire(client, credentialKey);
          try {
            return await task(lost.signal);
          } finally {
            if (!lost.signal.aborted)
              await client
                .query('select pg_advisory_unlock($1, hashtext($2))', [CREDENTIAL_OPERATION_LOCK, credentialKey])
                .catch((error: Error) => onLost(error));
          }
        } finally {
          client.off('error', onLost);
          client.off('end', onLost);
          // A broken connection is not reused: PostgreSQL released its lock with it.
          client.release(lost.signal.aborted ? true : undefined);
        }
      }),
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}
