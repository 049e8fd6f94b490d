import { lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { webhookReplays } from '../schema.js';

/** Remembers a signature; false when it was already used (a replay). */
export function rememberSignature(db: Db, signature: string, now: Date): boolean {
  db.delete(webhookReplays).where(lt(webhookReplays.seenAt, new Date(now.getTime() - 15 * 60 * 1000))).run();
  const result = db.insert(webhookReplays).values({ signature, seenAt: now }).onConflictDoNothing().run();
  return result.changes === 1;
}
