import { and, eq } from 'drizzle-orm';
import { diffGrants, GRANTS_BASELINE } from '../engine-rules.js';
import type { ConsumerGrantRepository } from '../store.js';
import { CATALOGUE_SYNC_LOCK, type Dialect, wroteOne } from './dialect.js';

/**
 * The consumers' grants as last applied: the difference with integrations.yml is applied, and audited,
 * in one transaction (replicas one at a time).
 */
export function createConsumerGrantRepository({ tables, transaction, writers }: Dialect): ConsumerGrantRepository {
  const { consumerGrants, storeMarkers } = tables;
  return {
    apply: (grants, auditOf, now) =>
      transaction(
        async (tx) => {
          const stored = await tx.select().from(consumerGrants);
          // The first grants this database records are the baseline (a database that already holds
          // grants, from before the marker existed, never starts one).
          const marked = await wroteOne(
            tx.insert(storeMarkers).values({ name: GRANTS_BASELINE, at: now }).onConflictDoNothing(),
          );
          const baseline = marked && stored.length === 0;
          const changes = diffGrants(stored, grants);
          for (const g of changes.revoked) {
            await tx
              .delete(consumerGrants)
              .where(and(eq(consumerGrants.consumer, g.consumer), eq(consumerGrants.integrationId, g.integrationId)));
            await writers.insertAuditRow(tx, auditOf.revoked(g), now);
          }
          for (const g of changes.granted) {
            await tx
              .insert(consumerGrants)
              .values({ ...g, grantedAt: now })
              .onConflictDoUpdate({
                target: [consumerGrants.consumer, consumerGrants.integrationId],
                set: { tokenSha256: g.tokenSha256, grantedAt: now },
              });
            await writers.insertAuditRow(tx, auditOf.granted(g, baseline), now);
          }
          return { ...changes, baseline };
        },
        { lock: CATALOGUE_SYNC_LOCK },
      ),
  };
}
