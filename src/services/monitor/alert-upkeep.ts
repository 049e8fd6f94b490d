import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { Alerts } from '../alerts.js';

export interface AlertUpkeepDeps {
  store: Pick<Store, 'alerts' | 'integrations' | 'health'>;
  alerts: Pick<Alerts, 'raise' | 'resolve'>;
  clock: Clock;
}

/** Keeps open alerts honest: posts the ones that could not be posted, closes the ones with nothing left to fix. */
export function createAlertUpkeep(deps: AlertUpkeepDeps) {
  return {
    /** Open alerts whose message could not be posted (bot not in channel, channel gone) are tried again. */
    async retryAlertPosts(): Promise<void> {
      for (const alert of await deps.store.alerts.listOpen()) {
        if (alert.messageTs) continue;
        const integrations = await deps.store.integrations.listByIds(alert.integrationIds);
        const health = integrations[0] ? await deps.store.health.of(integrations[0].id) : undefined;
        if (!health || health.status !== 'failing') continue;
        await deps.alerts.raise(integrations, { reason: health.reason ?? alert.reason ?? 'failing', since: health.since ?? alert.openedAt, lastSuccess: health.lastSuccessAt, source: 'probe', checkedAt: health.lastCheckedAt ?? deps.clock.now() });
      }
    },

    /** An alert whose integrations were all removed from the catalogue is closed. */
    async closeOrphanAlerts(): Promise<number> {
      let closed = 0;
      for (const alert of await deps.store.alerts.listOpen()) {
        const integrations = await deps.store.integrations.listByIds(alert.integrationIds);
        if (integrations.some((i) => i.archivedAt === null)) continue;
        await deps.alerts.resolve(alert.alertKey, { by: null, how: 'the integration was removed from integrations.yml', fixed: false });
        closed += 1;
      }
      return closed;
    },
  };
}
