import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { alertKeyOf } from '../domain/integration.js';
import type { Integration } from '../domain/types.js';
import type { Authoriser } from './authorisation.js';

export const SNOOZE_MS = 24 * 3600 * 1000;

export type SnoozeResult =
  | { ok: true; integration: Integration; until: Date }
  | { ok: false; reason: 'no_open_alert' }
  | { ok: false; reason: 'denied'; integration: Integration; approvers: string[] };

/** Snooze 24 h: owners and admins pause the open alert's reminders until then. The alert itself stays. */
export function createSnooze(deps: {
  store: Pick<Store, 'integrations' | 'alerts' | 'audit'>;
  authoriser: Pick<Authoriser, 'canManage' | 'approvers'>;
  clock: Clock;
}) {
  return async function snooze(integrationId: string, actor: string): Promise<SnoozeResult> {
    const integration = await deps.store.integrations.findActive(integrationId);
    const alert = integration && (await deps.store.alerts.open(alertKeyOf(integration)));
    if (!integration || !alert) return { ok: false, reason: 'no_open_alert' };
    const now = deps.clock.now();
    if (!(await deps.authoriser.canManage(actor, integration.owners))) {
      await deps.store.audit.record(
        { actor, integrationId: integration.id, action: 'alert.snooze', outcome: 'permission_denied' },
        now,
      );
      return { ok: false, reason: 'denied', integration, approvers: deps.authoriser.approvers(integration.owners) };
    }
    const until = new Date(now.getTime() + SNOOZE_MS);
    await deps.store.alerts.update(alert.id, { snoozedUntil: until });
    await deps.store.audit.record(
      {
        actor,
        integrationId: integration.id,
        action: 'alert.snooze',
        outcome: 'ok',
        detail: { until: until.toISOString() },
      },
      now,
    );
    return { ok: true, integration, until };
  };
}

export type Snooze = ReturnType<typeof createSnooze>;
