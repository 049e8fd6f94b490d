import { eq } from 'drizzle-orm';
import { NO_ANSWER } from '../repositories/rotations.js';
import type { Db } from './client.js';
import { rotationAttempts, tokenRevocations } from './schema.js';

/** Closes a rotation's attempt and queues the previous token's revocation: synchronous, inside the commit's transaction. */
export function createRotationCommitWriter(db: Db) {
  return (
    rotation: { attemptId: number; revoke?: { tokenName: string; notAfter: Date } } | undefined,
    committed: { credentialKey: string; version: number },
    integrationId: string,
    now: Date,
  ): void => {
    if (!rotation) return;
    db.update(rotationAttempts)
      .set({ finishedAt: now, outcome: 'rotated', reason: null, retryAt: null, ...NO_ANSWER })
      .where(eq(rotationAttempts.id, rotation.attemptId))
      .run();
    if (rotation.revoke)
      db.insert(tokenRevocations)
        .values({
          integrationId,
          credentialKey: committed.credentialKey,
          tokenName: rotation.revoke.tokenName,
          replacedByVersion: committed.version,
          notAfter: rotation.revoke.notAfter,
        })
        .run();
  };
}
