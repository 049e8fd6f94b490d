import { eq } from 'drizzle-orm';
import { NO_ANSWER } from '../repositories/rotations.js';
import type { PgExecutor } from './client.js';
import { rotationAttempts, tokenRevocations } from './schema.js';

/** Closes a rotation's attempt and queues the previous token's revocation, inside the commit's transaction. */
export async function writeRotationCommit(
  q: PgExecutor,
  rotation: { attemptId: number; revoke?: { tokenName: string; notAfter: Date } } | undefined,
  committed: { credentialKey: string; version: number },
  integrationId: string,
  now: Date,
): Promise<void> {
  if (!rotation) return;
  await q
    .update(rotationAttempts)
    .set({ finishedAt: now, outcome: 'rotated', reason: null, retryAt: null, ...NO_ANSWER })
    .where(eq(rotationAttempts.id, rotation.attemptId));
  if (rotation.revoke)
    await q.insert(tokenRevocations).values({
      integrationId,
      credentialKey: committed.credentialKey,
      tokenName: rotation.revoke.tokenName,
      replacedByVersion: committed.version,
      notAfter: rotation.revoke.notAfter,
    });
}
