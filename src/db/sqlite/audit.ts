import type { AuditEntry } from '../../domain/types.js';
import { createAuditRepository as createShared } from '../repositories/audit.js';
import type { AuditRepository } from '../store.js';
import type { Db } from './client.js';
import type { Dialect } from '../repositories/dialect.js';
import type { SerialRun } from './serial.js';

/**
 * The one prepared insert of an audit row; synchronous, so it also runs inside a transaction. A raw
 * statement: it runs on most requests, and the query builder's per-call mapping showed in profiles.
 */
export function createAuditWriter(db: Db) {
  const insert = db.$client.prepare(
    'insert into audit_log (at, actor, integration_id, action, outcome, fingerprint, detail) values (?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    record(entry: AuditEntry, now: Date): void {
      insert.run(
        now.getTime(),
        entry.actor,
        entry.integrationId ?? null,
        entry.action,
        entry.outcome,
        entry.fingerprint ?? null,
        entry.detail ? JSON.stringify(entry.detail) : null,
      );
    },
  };
}

/**
 * Group commit: audit rows recorded in the same turn of the event loop are written in one
 * transaction, and each caller resolves once its row is committed. Under load (a consumer API read
 * is audited every time) one commit carries many rows instead of one each; nothing is acknowledged
 * before it is on disk. A row the database refuses fails only its own caller (as on PostgreSQL).
 */
function createAuditBatcher(db: Db, writer: ReturnType<typeof createAuditWriter>, run: SerialRun) {
  let queue: { entry: AuditEntry; now: Date; done: (error?: unknown) => void }[] = [];
  const flush = db.$client.transaction((rows: typeof queue) => {
    for (const row of rows) writer.record(row.entry, row.now);
  });
  return (entry: AuditEntry, now: Date): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue.push({ entry, now, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (queue.length > 1) return;
      setImmediate(() => {
        const rows = queue;
        queue = [];
        // The batch takes its turn in the store's queue: never inside another call's transaction.
        run(() => {
          try {
            flush.immediate(rows);
            for (const row of rows) row.done();
          } catch {
            // One bad row must not fail the others: each is written on its own, and only its caller hears.
            for (const row of rows) {
              try {
                writer.record(row.entry, row.now);
                row.done();
              } catch (error) {
                row.done(error);
              }
            }
          }
        });
      });
    });
}

/**
 * The shared audit repository with SQLite's measured write paths: rows group-committed, and pruning one
 * batch per turn of the store's queue (`run`), so the server's calls run between batches.
 */
export function createAuditRepository(db: Db, dialect: Dialect, run: SerialRun): AuditRepository {
  const writer = createAuditWriter(db);
  const batch = createAuditBatcher(db, writer, run);
  const batchOf = db.$client.prepare<[number]>(
    'delete from audit_log where id in (select id from audit_log where at < ? order by id limit 5000)',
  );
  return {
    ...createShared(dialect),
    record: (entry, now) => batch(entry, now),
    async prune(before) {
      let removed = 0;
      for (;;) {
        const { changes } = await run(() => batchOf.run(before.getTime()));
        removed += changes;
        if (changes < 5000) return removed;
      }
    },
  };
}
