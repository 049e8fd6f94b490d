import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { RotationAttempt } from '../../domain/types.js';
import type { RotationRepository } from '../store.js';
import { type Dialect, type SharedDb, type Tables, wroteOne } from './dialect.js';

/** A closed attempt keeps no secret. */
export const NO_ANSWER = { sealedAnswer: null, answerKeyId: null, answerExpiresAt: null };

/** Closes a rotation's attempt and queues the previous token's revocation, inside the commit's transaction. */
export async function writeRotationCommit(
  q: SharedDb,
  t: Tables,
  rotation: { attemptId: number; revoke?: { tokenName: string; notAfter: Date } } | undefined,
  committed: { credentialKey: string; version: number },
  integrationId: string,
  now: Date,
): Promise<void> {
  if (!rotation) return;
  await q
    .update(t.rotationAttempts)
    .set({ finishedAt: now, outcome: 'rotated', reason: null, retryAt: null, ...NO_ANSWER })
    .where(eq(t.rotationAttempts.id, rotation.attemptId));
  if (rotation.revoke)
    await q.insert(t.tokenRevocations).values({
      integrationId,
      credentialKey: committed.credentialKey,
      tokenName: rotation.revoke.tokenName,
      replacedByVersion: committed.version,
      notAfter: rotation.revoke.notAfter,
    });
}

/**
 * Rotation attempts (one open per integration) and the revocations of replaced tokens. Closing an
 * attempt as rotated happens inside the credential's commit (writeRotationCommit).
 */
export function createRotationRepository({ db, tables }: Dialect): RotationRepository {
  const { rotationAttempts, tokenRevocations } = tables;
  const isOpen = (id: number) => and(eq(rotationAttempts.id, id), isNull(rotationAttempts.finishedAt));
  return {
    // The partial unique index admits one open attempt per key, whichever process asks.
    begin: async (attempt) => (await db.insert(rotationAttempts).values(attempt).onConflictDoNothing().returning())[0],
    async finish(id, result, now) {
      await db
        .update(rotationAttempts)
        .set({ ...result, finishedAt: now, ...NO_ANSWER })
        .where(isOpen(id));
    },
    holdAnswer: async (id, answer) =>
      wroteOne(
        db
          .update(rotationAttempts)
          .set({ sealedAnswer: answer.value, answerKeyId: answer.keyId, answerExpiresAt: answer.expiresAt })
          .where(isOpen(id)),
      ),
    async checkAgainAt(id, at) {
      await db.update(rotationAttempts).set({ retryAt: at }).where(isOpen(id));
    },
    generatedNames: async (integrationId) =>
      (
        await db
          .selectDistinct({ name: rotationAttempts.tokenName })
          .from(rotationAttempts)
          .where(and(eq(rotationAttempts.integrationId, integrationId), isNotNull(rotationAttempts.tokenName)))
      ).flatMap((r) => (r.name ? [r.name] : [])),
    open: async () => db.select().from(rotationAttempts).where(isNull(rotationAttempts.finishedAt)),
    async latest(integrationIds) {
      const result = new Map<string, { last: RotationAttempt; lastRotated: RotationAttempt | undefined }>();
      if (integrationIds.length === 0) return result;
      const rows = await db
        .select()
        .from(rotationAttempts)
        .where(inArray(rotationAttempts.integrationId, [...integrationIds]))
        .orderBy(desc(rotationAttempts.id));
      for (const row of rows) {
        const seen = result.get(row.integrationId);
        if (!seen)
          result.set(row.integrationId, { last: row, lastRotated: row.outcome === 'rotated' ? row : undefined });
        else if (!seen.lastRotated && row.outcome === 'rotated') seen.lastRotated = row;
      }
      return result;
    },
    pendingRevocations: async () => db.select().from(tokenRevocations).where(isNull(tokenRevocations.doneAt)),
    async revocationDone(id, now) {
      await db.update(tokenRevocations).set({ doneAt: now, lastError: null }).where(eq(tokenRevocations.id, id));
    },
    async revocationFailed(id, error) {
      await db
        .update(tokenRevocations)
        .set({ attempts: sql`${tokenRevocations.attempts} + 1`, lastError: error })
        .where(eq(tokenRevocations.id, id));
    },
  };
}
