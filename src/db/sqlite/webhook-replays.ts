import { lt } from 'drizzle-orm';
import type { WebhookReplayRepository } from '../store.js';
import type { Db } from './client.js';
import { webhookReplays } from './schema.js';

/** Signatures are remembered longer than the 5-minute window in which one could be accepted. */
const REMEMBER_MS = 15 * 60 * 1000;

export function createWebhookReplayRepository(db: Db): WebhookReplayRepository {
  return {
    async remember(signature, now) {
      db.delete(webhookReplays).where(lt(webhookReplays.seenAt, new Date(now.getTime() - REMEMBER_MS))).run();
      const result = db.insert(webhookReplays).values({ signature, seenAt: now }).onConflictDoNothing().run();
      return result.changes === 1;
    },
  };
}
