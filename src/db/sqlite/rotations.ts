import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { RotationAttempt } from '../../domain/types.js';
import type { RotationRepository } from '../store.js';
import type { Db } from './client.js';
import { rotationAttempts, tokenRevocations } from './schema.js';

/** A closed attempt keeps no secret. */
const NO_ANSWER = { sealedAnswer: null, answerKeyId: null, answerExpiresAt: null };
const isOpen = (id: number) => and(eq(rotationAttempts.id, id), isNull(rotationAttempts.finishedAt));

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

export function createRotationRepository(db: Db): RotationRepository {
  return {
    async begin(attempt) {
      // The partial unique index admits one open attempt per key, whichever process asks.
      return db.insert(rotationAttempts).values(attempt).onConflictDoNothing().returning().get();
    },
    async finish(id, result, now) {
      db.update(rotationAttempts)
        .set({ ...result, finishedAt: now, ...NO_ANSWER })
        .where(isOpen(id))
        .run();
    },
    async holdAnswer(id, answer) {
      return (
        db
          .update(rotationAttempts)
          .set({ sealedAnswer: answer.value, answerKeyId: answer.keyId, answerExpiresAt: answer.expiresAt })
          .where(isOpen(id))
          .run().changes === 1
      );
    },
    async checkAgainAt(id, at) {
      db.update(rotationAttempts).set({ retryAt: at }).where(isOpen(id)).run();
    },
    async generatedNames(integrationId) {
      return db
        .selectDistinct({ name: rotationAttempts.tokenName })
        .from(rotationAttempts)
        .where(and(eq(rotationAttempts.integrationId, integrationId), isNotNull(rotationAttempts.tokenName)))
        .all()
        .flatMap((r) => (r.name ? [r.name] : []));
    },
    open: async () => db.select().from(rotationAttempts).where(isNull(rotationAttempts.finishedAt)).all(),
    async latest(integrationIds) {
      const result = new Map<string, { last: RotationAttempt; lastRotated: RotationAttempt | undefined }>();
      if (integrationIds.length === 0) return result;
      for (const row of db
        .select()
        .from(rotationAttempts)
        .where(inArray(rotationAttempts.integrationId, [...integrationIds]))
        .orderBy(desc(rotationAttempts.id))
        .all()) {
        const seen = result.get(row.integrationId);
        if (!seen)
          result.set(row.integrationId, { last: row, lastRotated: row.outcome === 'rotated' ? row : undefined });
        else if (!seen.lastRotated && row.outcome === 'rotated') seen.lastRotated = row;
      }
      return result;
    },
    pendingRevocations: async () => db.select().from(tokenRevocations).where(isNull(tokenRevocations.doneAt)).all(),
    async revocationDone(id, now) {
      db.update(tokenRevocations).set({ doneAt: now, lastError: null }).where(eq(tokenRevocations.id, id)).run();
    },
    async revocationFailed(id, error) {
      db.update(tokenRevocations)
        .set({ attempts: sql`${tokenRevocations.attempts} + 1`, lastError: error })
        .where(eq(tokenRevocations.id, id))
        .run();
    },
  };
}
