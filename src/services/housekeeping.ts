import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What the server keeps tidy between deliveries: a credential of another account that nobody
 * confirmed is erased once its 10 minutes end (not at the next hand-over anywhere), and the audit log
 * is pruned past AUDIT_RETENTION_DAYS once a day (0 keeps every row). Every replica may run it: both are
 * idempotent deletes.
 */
export function createHousekeeping(deps: {
  store: Pick<Store, 'pendingCredentials' | 'audit'>;
  clock: Clock;
  logger: Logger;
  auditRetentionDays: number;
}) {
  let auditPrunedAt: number | undefined;
  return {
    async sweep(): Promise<void> {
      const now = deps.clock.now();
      await deps.store.pendingCredentials.prune(now);
      if (deps.auditRetentionDays === 0) return;
      if (auditPrunedAt !== undefined && now.getTime() - auditPrunedAt < DAY_MS && now.getTime() >= auditPrunedAt)
        return;
      auditPrunedAt = now.getTime();
      const before = new Date(now.getTime() - deps.auditRetentionDays * DAY_MS);
      const removed = await deps.store.audit.prune(before);
      if (removed > 0)
        deps.logger.info(
          { event: 'audit_pruned', removed, before, retentionDays: deps.auditRetentionDays },
          'audit rows older than AUDIT_RETENTION_DAYS were deleted',
        );
    },
  };
}
