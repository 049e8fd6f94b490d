import { lt } from 'drizzle-orm';
import { dueEvery } from '../../domain/clock.js';
import { REPLAY_MEMORY_MS, REPLAY_PRUNE_EVERY_MS } from '../engine-rules.js';
import type { WebhookReplayRepository } from '../store.js';
import { type Dialect, wroteOne } from './dialect.js';

/**
 * Signatures of Slack requests and health webhooks already answered, shared by every process of the
 * database: each is accepted once. (SQLite, with one server process, answers from memory instead:
 * sqlite/webhook-replays.ts.)
 */
export function createWebhookReplayRepository({ db, tables }: Dialect): WebhookReplayRepository {
  const { webhookReplays } = tables;
  const pruneDue = dueEvery(REPLAY_PRUNE_EVERY_MS);
  return {
    async remember(signature, now) {
      if (pruneDue(now))
        await db.delete(webhookReplays).where(lt(webhookReplays.seenAt, new Date(now.getTime() - REPLAY_MEMORY_MS)));
      return wroteOne(db.insert(webhookReplays).values({ signature, seenAt: now }).onConflictDoNothing());
    },
  };
}
