import { desc, eq } from 'drizzle-orm';
import type { AuditEntry, AuditRecord } from '../../domain/types.js';
import type { AuditRepository } from '../store.js';
import type { Db } from './client.js';
import type { SerialRun } from './serial.js';
import { auditLog } from './schema.js';

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

/** The audit log; `run` is the store's queue (record and prune take their turns in it themselves). */
export function createAuditRepository(db: Db, run: SerialRun): AuditRepository {
  const writer = createAuditWriter(db);
  const batch = createAuditBatcher(db, writer, run);
  return {
    record: (entry, now) => batch(entry, now),
    async prune(before) {
      // A batch at a time, so the server's own writes are never held up behind one long delete.
      const batchOf = db.$client.prepare<[number]>(
        'delete from audit_log where id in (select id from audit_log where at < ? order by id limit 5000)',
      );
      let removed = 0;
      for (;;) {
        // Each batch its own turn, so the server's calls run between them.
        const { changes } = await run(() => batchOf.run(before.getTime()));
        removed += changes;
        if (changes < 5000) return removed;
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async *stream(filter) {
      const where: string[] = [];
      const params: (number | string)[] = [];
      const condition = (clause: string, param: number | string) => {
        where.push(clause);
        params.push(param);
      };
      if (filter.since) condition('at >= ?', filter.since.getTime());
      if (filter.until) condition('at < ?', filter.until.getTime());
      if (filter.integrationId) condition('integration_id = ?', filter.integrationId);
      // better-sqlite3 steps through the rows one at a time: memory stays flat however long the log.
      const rows = db.$client
        .prepare(
          `select id, at, actor, integration_id, action, outcome, fingerprint, detail from audit_log ${where.length ? `where ${where.join(' and ')}` : ''} order by id`,
        )
        .iterate(...params) as IterableIterator<RawAuditRow>;
      for (const row of rows) yield toRecord(row);
    },
    async list(integrationId) {
      const query = db.select().from(auditLog);
      const rows = (integrationId ? query.where(eq(auditLog.integrationId, integrationId)) : query)
        .orderBy(desc(auditLog.id))
        .all();
      return rows.map((row): AuditRecord => row);
    },
  };
}

interface RawAuditRow {
  id: number;
  at: number;
  actor: string;
  integration_id: string | null;
  action: string;
  outcome: string;
  fingerprint: string | null;
  detail: string | null;
}

function toRecord(row: RawAuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(row.at),
    actor: row.actor,
    integrationId: row.integration_id,
    action: row.action,
    outcome: row.outcome,
    fingerprint: row.fingerprint,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  };
}
