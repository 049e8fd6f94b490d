import { lt } from 'drizzle-orm';
import type { WebhookReplayRepository } from '../store.js';
import type { Db } from './client.js';
import { webhookReplays } from './schema.js';

/** Signatures are remembered longer than the 5-minute window in which one could be accepted. */
const REMEMBER_MS = 15 * 60 * 1000;
/** Forgetting old signatures scans the table: once a minute is enough. */
const PRUNE_EVERY_MS = 60 * 1000;

export function createWebhookReplayRepository(db: Db): WebhookReplayRepository {
  // On every Slack request: a raw prepared statement, without the query builder's per-call mapping (profiled).
  const insert = db.$client.prepare('insert into webhook_replays (signature, seen_at) values (?, ?) on conflict do nothing');
  let prunedAt = 0;
  return {
    async remember(signature, now) {
      if (now.getTime() - prunedAt >= PRUNE_EVERY_MS || now.getTime() < prunedAt) {
        db.delete(webhookReplays).where(lt(webhookReplays.seenAt, new Date(now.getTime() - REMEMBER_MS))).run();
        prunedAt = now.getTime();
      }
      return insert.run(signature, now.getTime()).changes === 1;
    },
  };
}
