import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { alertKeyOf } from '../../domain/integration.js';
import { isDeliveryAlert, type Alerts } from '../alerts.js';

export interface AlertUpkeepDeps {
  store: Pick<Store, 'alerts' | 'integrations' | 'health'>;
  alerts: Pick<Alerts, 'raise' | 'resolve' | 'recoverUnrecordedPost'>;
  clock: Clock;
}

/** Keeps open alerts honest: posts the ones that could not be posted, closes the ones with nothing left to fix. */
export function createAlertUpkeep(deps: AlertUpkeepDeps) {
  return {
    /**
     * Open alerts whose message could not be posted (bot not in channel, channel gone) are tried again;
     * one whose post a crash left unrecorded is found in the channel rather than posted twice.
     */
    async retryAlertPosts(): Promise<void> {
      for (const alert of await deps.store.alerts.listOpen()) {
        if (alert.messageTs || isDeliveryAlert(alert.alertKey)) continue; // delivery alerts are the delivery worker's
        const integrations = (await deps.store.integrations.listByIds(alert.integrationIds)).filter(
          (i) => alertKeyOf(i) === alert.alertKey,
        );
        if (integrations.length === 0) continue; // closeOrphanAlerts' to close
        const health = integrations[0] ? await deps.store.health.of(integrations[0].id) : undefined;
        if (health?.status !== 'failing') {
          await deps.alerts.recoverUnrecordedPost(alert.alertKey);
          continue;
        }
        await deps.alerts.raise(integrations, {
          reason: health.reason ?? alert.reason ?? 'failing',
          since: health.since ?? alert.openedAt,
          lastSuccess: health.lastSuccessAt,
          source: 'probe',
          checkedAt: health.lastCheckedAt ?? deps.clock.now(),
        });
      }
    },

    /**
     * An alert with nothing left to fix is closed: its integrations were all removed from the catalogue,
     * or none of them uses the credential it was about any more (an auth type changed in the catalogue).
     */
    async closeOrphanAlerts(): Promise<number> {
      let closed = 0;
      for (const alert of await deps.store.alerts.listOpen()) {
        if (isDeliveryAlert(alert.alertKey)) continue;
        const active = (await deps.store.integrations.listByIds(alert.integrationIds)).filter(
          (i) => i.archivedAt === null,
        );
        if (active.some((i) => alertKeyOf(i) === alert.alertKey)) continue;
        const how = active.length
          ? 'its integrations now use another credential (integrations.yml changed)'
          : 'the integration was removed from integrations.yml';
        await deps.alerts.resolve(alert.alertKey, { by: null, how, fixed: false });
        closed += 1;
      }
      return closed;
    },
  };
}
