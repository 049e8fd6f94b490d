import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { RotationAttempt } from '../../domain/types.js';
import type { RotationRepository } from '../store.js';
import type { PgDb, PgExecutor } from './client.js';
import { rotationAttempts, tokenRevocations } from './schema.js';

/** A closed attempt keeps no secret. */
const NO_ANSWER = { sealedAnswer: null, answerKeyId: null, answerExpiresAt: null };
const isOpen = (id: number) => and(eq(rotationAttempts.id, id), isNull(rotationAttempts.finishedAt));

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

export function createPgRotationRepository(db: PgDb): RotationRepository {
  return {
    // The partial unique index admits one open attempt per key, whichever replica asks.
    begin: async (attempt) => (await db.insert(rotationAttempts).values(attempt).onConflictDoNothing().returning())[0],
    async finish(id, result, now) {
      await db
        .update(rotationAttempts)
        .set({ ...result, finishedAt: now, ...NO_ANSWER })
        .where(and(eq(rotationAttempts.id, id), isNull(rotationAttempts.finishedAt)));
    },
    async holdAnswer(id, answer) {
      const held = await db
        .update(rotationAttempts)
        .set({ sealedAnswer: answer.value, answerKeyId: answer.keyId, answerExpiresAt: answer.expiresAt })
        .where(isOpen(id))
        .returning({ id: rotationAttempts.id });
      return held.length === 1;
    },
    async checkAgainAt(id, at) {
      await db.update(rotationAttempts).set({ retryAt: at }).where(isOpen(id));
    },
    async generatedNames(integrationId) {
      const rows = await db
        .selectDistinct({ name: rotationAttempts.tokenName })
        .from(rotationAttempts)
        .where(and(eq(rotationAttempts.integrationId, integrationId), isNotNull(rotationAttempts.tokenName)));
      return rows.flatMap((r) => (r.name ? [r.name] : []));
    },
    open: () => db.select().from(rotationAttempts).where(isNull(rotationAttempts.finishedAt)),
    async latest(integrationIds) {
      const result = new Map<string, { last: RotationAttempt; lastRotated: RotationAttempt | undefined }>();
      if (integrationIds.length === 0) return result;
      for (const row of await db
        .select()
        .from(rotationAttempts)
        .where(inArray(rotationAttempts.integrationId, [...integrationIds]))
        .orderBy(desc(rotationAttempts.id))) {
        const seen = result.get(row.integrationId);
        if (!seen)
          result.set(row.integrationId, { last: row, lastRotated: row.outcome === 'rotated' ? row : undefined });
        else if (!seen.lastRotated && row.outcome === 'rotated') seen.lastRotated = row;
      }
      return result;
    },
    pendingRevocations: () => db.select().from(tokenRevocations).where(isNull(tokenRevocations.doneAt)),
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
