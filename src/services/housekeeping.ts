import type { Store } from '../db/store.js';
import { dueEvery, type Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Links to the secret-entry page are forgotten a day after they expired: looked for once a minute. */
const FORM_PRUNE_EVERY_MS = 60 * 1000;

/**
 * What the server keeps tidy between deliveries: a credential of another account that nobody
 * confirmed is erased once its 10 minutes end (not at the next hand-over anywhere), links to the
 * secret-entry page are forgotten a day after they expired (looked for once a minute), and the audit log
 * is pruned past AUDIT_RETENTION_DAYS once a day (0 keeps every row). Every replica may run it: both are
 * idempotent deletes.
 */
export function createHousekeeping(deps: {
  store: Pick<Store, 'pendingCredentials' | 'secretForms' | 'audit'>;
  clock: Clock;
  logger: Logger;
  auditRetentionDays: number;
}) {
  const formsDue = dueEvery(FORM_PRUNE_EVERY_MS);
  const auditDue = dueEvery(DAY_MS);
  return {
    async sweep(): Promise<void> {
      const now = deps.clock.now();
      await deps.store.pendingCredentials.prune(now);
      if (formsDue(now)) await deps.store.secretForms.prune(now);
      if (deps.auditRetentionDays === 0) return;
      if (!auditDue(now)) return;
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
