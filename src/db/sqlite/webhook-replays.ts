import { lt } from 'drizzle-orm';
import type { WebhookReplayRepository } from '../store.js';
import { REPLAY_MEMORY_MS, REPLAY_PRUNE_EVERY_MS } from '../engine-rules.js';
import type { Db } from './client.js';
import { webhookReplays } from './schema.js';

export function createWebhookReplayRepository(db: Db): WebhookReplayRepository {
  // On every Slack request: a raw prepared statement, without the query builder's per-call mapping (profiled).
  const insert = db.$client.prepare(
    'insert into webhook_replays (signature, seen_at) values (?, ?) on conflict do nothing',
  );
  let prunedAt = 0;
  return {
    async remember(signature, now) {
      if (now.getTime() - prunedAt >= REPLAY_PRUNE_EVERY_MS || now.getTime() < prunedAt) {
        db.delete(webhookReplays)
          .where(lt(webhookReplays.seenAt, new Date(now.getTime() - REPLAY_MEMORY_MS)))
          .run();
        prunedAt = now.getTime();
      }
      return insert.run(signature, now.getTime()).changes === 1;
    },
  };
}
