import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { alertKeyOf } from '../domain/integration.js';
import type { Integration } from '../domain/types.js';

export const SNOOZE_MS = 24 * 3600 * 1000;

export type SnoozeResult = { ok: true; integration: Integration; until: Date } | { ok: false; reason: 'no_open_alert' };

/** Snooze 24 h: no reminders for the open alert until then. The alert itself stays. */
export function createSnooze(deps: { store: Pick<Store, 'integrations' | 'alerts' | 'audit'>; clock: Clock }) {
  return async function snooze(integrationId: string, actor: string): Promise<SnoozeResult> {
    const integration = await deps.store.integrations.findActive(integrationId);
    const alert = integration && (await deps.store.alerts.open(alertKeyOf(integration)));
    if (!integration || !alert) return { ok: false, reason: 'no_open_alert' };
    const now = deps.clock.now();
    const until = new Date(now.getTime() + SNOOZE_MS);
    await deps.store.alerts.update(alert.id, { snoozedUntil: until });
    await deps.store.audit.record({ actor, integrationId: integration.id, action: 'alert.snooze', outcome: 'ok', detail: { until: until.toISOString() } }, now);
    return { ok: true, integration, until };
  };
}

export type Snooze = ReturnType<typeof createSnooze>;
