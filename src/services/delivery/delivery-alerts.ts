import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { sinkKindOf, sinkLabel } from '../../domain/delivery.js';
import { enqueueEvents } from './events.js';
import { givenUp } from './sink-states.js';
import type { Integration } from '../../domain/types.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { buildDeliveryAlert, buildDeliveryResolved } from '../../slack/blocks/delivery.js';
import { deliveryAlertKey, isDeliveryAlert, type Alerts } from '../alerts.js';
import type { OutboxPlanner, SinksOf } from './outbox.js';
import type { AttemptReport } from './worker.js';

/** Finished outbox rows (no secret left in them) are kept this long for `reauth-bot list` and the notices, then forgotten. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** A sink failing this long raises an alert in the integration's channel. */
export const DELIVERY_ALERT_AFTER_MS = 15 * 60 * 1000;

export interface DeliveryAlertDeps {
  store: Pick<Store, 'deliveries' | 'integrations' | 'alerts'>;
  alerts: Pick<Alerts, 'raise' | 'resolve'>;
  outbox: Pick<OutboxPlanner, 'events'>;
  sinksOf: SinksOf;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'droppedEvents'>;
}

/**
 * One alert per sink that keeps failing (15 minutes, or at once when only a person can fix it): the
 * credential is valid but not delivered, where, and why. The same one-message lifecycle as health
 * alerts; resolved in place when a delivery to that sink succeeds. Opening one also sends a
 * `delivery.failed` event to the integration's other webhook sinks.
 */
export function createDeliveryAlerts(deps: DeliveryAlertDeps) {
  async function raise(
    integration: Integration,
    sinkKey: string,
    failure: { reason: string; since: Date; nextAttemptAt: Date | null; needsAttention: boolean },
  ): Promise<void> {
    const key = deliveryAlertKey(integration.id, sinkKey);
    const wasOpen = await deps.store.alerts.open(key);
    const content = buildDeliveryAlert({ integration, sinkKey, ...failure });
    const now = deps.clock.now();
    await deps.alerts.raise(
      [integration],
      { reason: failure.reason, since: failure.since, lastSuccess: null, source: 'probe', checkedAt: now },
      { key, content },
    );
    if (!wasOpen) {
      deps.logger.warn(
        {
          event: 'delivery_alert_raised',
          integration: integration.id,
          sink: sinkLabel(sinkKey),
          reason: failure.reason,
        },
        'a sink keeps failing: alert raised',
      );
      // Other sinks learn which of the integration's sinks fails, never its address or its error text
      // (either may name a URL, a Vault path or a host): people see those in Slack.
      const position = deps.sinksOf(integration.id).findIndex((s) => s.key === sinkKey);
      const event = () => ({
        integration: integration.id,
        sink: position < 0 ? sinkKindOf(sinkKey) : `deliver[${position}]`,
        sink_kind: sinkKindOf(sinkKey),
        needs_attention: failure.needsAttention,
        since: failure.since.toISOString(),
      });
      await enqueueEvents(deps, deps.outbox.events([integration], 'delivery.failed', event, now, sinkKey));
    }
  }

  async function resolve(integrationId: string, sinkKey: string, how: string): Promise<void> {
    const key = deliveryAlertKey(integrationId, sinkKey);
    if (!(await deps.store.alerts.open(key))) return;
    const integration = (await deps.store.integrations.listByIds([integrationId]))[0];
    await deps.alerts.resolve(key, {
      by: null,
      how,
      fixed: true,
      ...(integration
        ? { resolved: (alert, at) => buildDeliveryResolved({ integration, sinkKey, since: alert.openedAt, at, how }) }
        : {}),
    });
  }

  return {
    /** After each attempt: resolve on success, raise once a failure has lasted long enough. */
    async afterAttempt(report: AttemptReport): Promise<void> {
      const { delivery } = report;
      if (report.outcome === 'delivered') return resolve(delivery.integrationId, delivery.sinkKey, 'succeeded again');
      if (report.outcome === 'cancelled' && !report.sink)
        return resolve(delivery.integrationId, delivery.sinkKey, 'stopped: the sink was removed from integrations.yml');
      if (report.outcome === 'dead') {
        const integration = await deps.store.integrations.findActive(delivery.integrationId);
        const reason = `${report.error ?? 'given up'}. Fix the sink, then run npx reauth-bot deliver --retry-dead.`;
        if (integration)
          await raise(integration, delivery.sinkKey, {
            reason,
            since: delivery.firstFailureAt ?? delivery.createdAt,
            nextAttemptAt: null,
            needsAttention: true,
          });
        return;
      }
      if (report.outcome !== 'failed') return;
      const head = await deps.store.deliveries.head(delivery.integrationId, delivery.sinkKey);
      if (!head?.firstFailureAt) return;
      if (!head.needsAttention && deps.clock.now().getTime() - head.firstFailureAt.getTime() < DELIVERY_ALERT_AFTER_MS)
        return;
      const integration = await deps.store.integrations.findActive(delivery.integrationId);
      if (integration)
        await raise(integration, delivery.sinkKey, {
          reason: head.lastError ?? 'failing',
          since: head.firstFailureAt,
          nextAttemptAt: head.nextAttemptAt,
          needsAttention: head.needsAttention,
        });
    },
    /**
     * Between attempts (back-off reaches an hour): raises the alert for a sink whose failure crossed
     * 15 minutes, and closes alerts of sinks that were removed from the file.
     */
    async sweep(): Promise<void> {
      const now = deps.clock.now().getTime();
      await deps.store.deliveries.prune(new Date(now - DELIVERY_RETENTION_MS));
      const rowsList = await deps.store.deliveries.sinkRows();
      for (const rows of rowsList) {
        const head = rows.head;
        if (!head?.firstFailureAt || now - head.firstFailureAt.getTime() < DELIVERY_ALERT_AFTER_MS) continue;
        // Open and posted: kept current by the attempts. Open but not posted (Slack refused): post it now.
        if ((await deps.store.alerts.open(deliveryAlertKey(rows.integrationId, rows.sinkKey)))?.messageTs) continue;
        const integration = await deps.store.integrations.findActive(rows.integrationId);
        if (integration && deps.sinksOf(integration.id).some((s) => s.key === rows.sinkKey)) {
          await raise(integration, rows.sinkKey, {
            reason: head.lastError ?? 'failing',
            since: head.firstFailureAt,
            nextAttemptAt: head.nextAttemptAt,
            needsAttention: head.needsAttention,
          });
        }
      }
      // A sink whose newest message was given up on stays alerted until it is sent again.
      const failing = new Set(
        rowsList
          .filter((r) => r.head?.firstFailureAt || givenUp(r))
          .map((r) => deliveryAlertKey(r.integrationId, r.sinkKey)),
      );
      for (const alert of await deps.store.alerts.listOpen()) {
        if (!isDeliveryAlert(alert.alertKey)) continue;
        const [integrationId] = alert.integrationIds;
        const sink =
          integrationId === undefined
            ? undefined
            : deps.sinksOf(integrationId).find((s) => deliveryAlertKey(integrationId, s.key) === alert.alertKey);
        if (integrationId === undefined || !sink) {
          await deps.alerts.resolve(alert.alertKey, {
            by: null,
            how: 'the sink was removed from integrations.yml',
            fixed: false,
          });
        } else if (!failing.has(alert.alertKey)) {
          // Delivered meanwhile (by `reauth-bot deliver`, or another replica).
          await resolve(integrationId, sink.key, 'succeeded again');
        }
      }
    },
  };
}

export type DeliveryAlerts = ReturnType<typeof createDeliveryAlerts>;
