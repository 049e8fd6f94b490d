import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createKeyedLock } from '../../keyed-lock.js';
import { pollForLock } from '../engine-rules.js';
import type { Db } from './client.js';
import type { SerialRun } from './serial.js';

export interface SqliteLockOptions {
  /** A lease lapses this long after its last renewal: a holder that died frees the key within it. */
  leaseMs?: number;
  /** Waiting longer than this for another process's operation fails the one waiting. */
  waitMs?: number;
  /** The store's queue: each lease statement takes its turn, never inside another call's transaction. */
  run?: SerialRun;
}

/**
 * The credential lock on a SQLite file shared by the server and the CLI: one process at a time per
 * key, as PostgreSQL's advisory lock does across replicas. Tasks of one process queue in memory first;
 * then the process takes a lease row (`credential_locks`) with one statement only one process can win
 * — an insert, or taking over a lease that lapsed — and renews it while the task runs. A process that
 * dies stops renewing, and its lease lapses after `leaseMs` — at once when it was a process of this
 * machine that no longer exists. Leases use the wall clock: the processes share one machine (and one file). If a renewal finds the lease taken over (the process stalled past
 * it), the task's `lost` signal aborts.
 */
export function createSqliteCredentialLock(db: Db, options: SqliteLockOptions = {}) {
  const local = createKeyedLock();
  // Who holds a lease: this machine, this process, this lock (a WAL file is never shared across hosts).
  const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  const leaseMs = options.leaseMs ?? 15_000;
  const waitMs = options.waitMs ?? 60_000;
  const run: SerialRun = options.run ?? (async (task) => task());
  const take = db.$client.prepare<[string, string, number, number]>(
    `insert into credential_locks (credential_key, holder, expires_at) values (?, ?, ?)
     on conflict (credential_key) do update set holder = excluded.holder, expires_at = excluded.expires_at
     where credential_locks.expires_at < ?`,
  );
  const renew = db.$client.prepare<[number, string, string]>(
    'update credential_locks set expires_at = ? where credential_key = ? and holder = ?',
  );
  const release = db.$client.prepare<[string, string]>(
    'delete from credential_locks where credential_key = ? and holder = ?',
  );
  const holderOf = db.$client.prepare<[string], { holder: string }>(
    'select holder from credential_locks where credential_key = ?',
  );

  const takeOver = db.$client.prepare<[string, number, string, string]>(
    'update credential_locks set holder = ?, expires_at = ? where credential_key = ? and holder = ?',
  );

  /** The holder of a lease whose process is gone (killed, on this machine): it need not be waited out. */
  function deadHolder(credentialKey: string): string | undefined {
    const held = holderOf.get(credentialKey)?.holder ?? '';
    const [host, pid] = held.split(':');
    if (host !== hostname() || !pid || Number(pid) === process.pid) return undefined;
    try {
      process.kill(Number(pid), 0);
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH' ? held : undefined;
    }
  }

  const acquire = (credentialKey: string) =>
    pollForLock(
      credentialKey,
      () =>
        run(() => {
          const now = Date.now();
          if (take.run(credentialKey, holder, now + leaseMs, now).changes === 1) return true;
          const dead = deadHolder(credentialKey);
          return dead !== undefined && takeOver.run(holder, now + leaseMs, credentialKey, dead).changes === 1;
        }),
      waitMs,
      { first: 10, most: 250 },
    );

  return function withCredentialLock<T>(credentialKey: string, task: (lost: AbortSignal) => Promise<T>): Promise<T> {
    return local(credentialKey, async () => {
      await acquire(credentialKey);
      const lost = new AbortController();
      const renewal = setInterval(() => {
        run(() => renew.run(Date.now() + leaseMs, credentialKey, holder).changes).then(
          (renewed) => {
            if (renewed !== 1) lost.abort(new Error('the credential lock lapsed and another process took it'));
          },
          // The file is busy for a moment: the next renewal tries again, well within the lease.
          () => undefined,
        );
      }, leaseMs / 3);
      renewal.unref();
      try {
        return await task(lost.signal);
      } finally {
        clearInterval(renewal);
        // Closed or busy: the lease lapses on its own.
        await run(() => release.run(credentialKey, holder)).catch(() => undefined);
      }
    });
  };
}
