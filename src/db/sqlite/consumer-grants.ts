import { and, eq } from 'drizzle-orm';
import { diffGrants, GRANTS_BASELINE } from '../engine-rules.js';
import type { ConsumerGrantRepository } from '../store.js';
import { createAuditWriter } from './audit.js';
import { inTransaction, type Db } from './client.js';
import { consumerGrants, storeMarkers } from './schema.js';

export function createConsumerGrantRepository(db: Db): ConsumerGrantRepository {
  const audit = createAuditWriter(db);
  return {
    async apply(grants, auditOf, now) {
      return inTransaction(db, (tx) => {
        const stored = tx.select().from(consumerGrants).all();
        // The first grants this database records are the baseline (a database that already holds
        // grants, from before the marker existed, never starts one).
        const marked =
          tx.insert(storeMarkers).values({ name: GRANTS_BASELINE, at: now }).onConflictDoNothing().run().changes === 1;
        const baseline = marked && stored.length === 0;
        const changes = diffGrants(stored, grants);
        for (const g of changes.revoked) {
          tx.delete(consumerGrants)
            .where(and(eq(consumerGrants.consumer, g.consumer), eq(consumerGrants.integrationId, g.integrationId)))
            .run();
          audit.record(auditOf.revoked(g), now);
        }
        for (const g of changes.granted) {
          tx.insert(consumerGrants)
            .values({ ...g, grantedAt: now })
            .onConflictDoUpdate({
              target: [consumerGrants.consumer, consumerGrants.integrationId],
              set: { tokenSha256: g.tokenSha256, grantedAt: now },
            })
            .run();
          audit.record(auditOf.granted(g, baseline), now);
        }
        return { ...changes, baseline };
      });
    },
  };
}
