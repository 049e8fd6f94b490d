import { gte, lt } from 'drizzle-orm';
import { dueEvery } from '../../domain/clock.js';
import type { WebhookReplayRepository } from '../store.js';
import { REPLAY_MEMORY_MS, REPLAY_PRUNE_EVERY_MS } from '../engine-rules.js';
import type { Db } from './client.js';
import type { SerialRun } from './serial.js';
import { webhookReplays } from './schema.js';

/** Signatures seen in this process are written to the file together, this often (one transaction). */
export const REPLAY_FLUSH_MS = 100;

/**
 * On SQLite one server process answers Slack, so the signatures it has seen are kept in memory and
 * answered from there: a Slack request costs no write of its own (an insert per request was ~8 % of the
 * app's CPU at 50 senders, docs/performance.md). They are written to the file in one transaction every
 * 100 ms and read back at start, so a restart still refuses a replay of a request answered before it;
 * a process killed outright forgets at most its last 100 ms. PostgreSQL's replicas share the table and
 * insert each signature as it comes (db/repositories/webhook-replays.ts).
 */
export function createWebhookReplayRepository(db: Db, run: SerialRun): WebhookReplayRepository & { flush(): void } {
  const insert = db.$client.prepare(
    'insert into webhook_replays (signature, seen_at) values (?, ?) on conflict do nothing',
  );
  const seen = new Map<string, number>();
  let loaded = false;
  let pending: [string, number][] = [];
  let timer: NodeJS.Timeout | undefined;
  const pruneDue = dueEvery(REPLAY_PRUNE_EVERY_MS);

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0 || !db.$client.open) return;
    const rows = pending;
    pending = [];
    try {
      db.$client
        .transaction(() => {
          for (const [signature, at] of rows) insert.run(signature, at);
        })
        .immediate();
    } catch {
      // The file is busy past its timeout (a long CLI transaction): memory still refuses replays; try again.
      pending = rows.concat(pending);
      schedule();
    }
  };
  const schedule = (): void => {
    if (timer) return;
    // The write takes its turn in the store's queue: never inside another call's transaction.
    timer = setTimeout(() => void run(flush), REPLAY_FLUSH_MS);
    timer.unref();
  };

  /** The signatures an earlier run of the server saw within the window, read once. */
  const loadRecent = (now: number): void => {
    if (loaded) return;
    loaded = true;
    const rows = db
      .select()
      .from(webhookReplays)
      .where(gte(webhookReplays.seenAt, new Date(now - REPLAY_MEMORY_MS)))
      .all();
    for (const row of rows) seen.set(row.signature, row.seenAt.getTime());
  };

  const forgetOld = (now: Date): void => {
    if (!pruneDue(now)) return;
    const before = now.getTime() - REPLAY_MEMORY_MS;
    for (const [signature, at] of seen) if (at < before) seen.delete(signature);
    db.delete(webhookReplays)
      .where(lt(webhookReplays.seenAt, new Date(before)))
      .run();
  };

  return {
    async remember(signature, now) {
      const at = now.getTime();
      loadRecent(at);
      forgetOld(now);
      if (seen.has(signature)) return false;
      seen.set(signature, at);
      pending.push([signature, at]);
      schedule();
      return true;
    },
    flush,
  };
}
