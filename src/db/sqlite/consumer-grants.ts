import { and, eq } from 'drizzle-orm';
import { diffGrants } from '../engine-rules.js';
import type { ConsumerGrantRepository } from '../store.js';
import { createAuditWriter } from './audit.js';
import { inTransaction, type Db } from './client.js';
import { consumerGrants } from './schema.js';

export function createConsumerGrantRepository(db: Db): ConsumerGrantRepository {
  const audit = createAuditWriter(db);
  return {
    async apply(grants, auditOf, now) {
      return inTransaction(db, (tx) => {
        const changes = diffGrants(tx.select().from(consumerGrants).all(), grants);
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
          audit.record(auditOf.granted(g), now);
        }
        return changes;
      });
    },
  };
}
