import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { updateAlert } from '../../db/repositories/alerts.js';
import { recordAudit } from '../../db/repositories/audit.js';
import { findActiveIntegration } from '../../db/repositories/integrations.js';
import type { Runtime } from '../../runtime.js';
import { openAlertFor } from '../../services/alerts.js';
import { buildHeaderMessage } from '../../slack/blocks/messages.js';
import { slackDate } from '../../slack/blocks/text.js';
import { tellUser } from '../reply.js';

export const SNOOZE_MS = 24 * 3600 * 1000;

/** Snooze 24 h: no reminders for the open alert until then. The alert itself stays. */
export function handleSnooze(rt: Runtime) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const reply = body.container?.type === 'message' ? respond : undefined;
    const integration = findActiveIntegration(rt.db, action.value ?? '');
    const alert = integration && openAlertFor(rt.db, integration);
    if (!integration || !alert) {
      await tellUser(rt, body.user.id, buildHeaderMessage('Snooze', 'There is no open alert to snooze: it may already be resolved.'), reply);
      return;
    }
    const now = rt.clock.now();
    const until = new Date(now.getTime() + SNOOZE_MS);
    updateAlert(rt.db, alert.id, { snoozedUntil: until });
    recordAudit(rt.db, { actor: body.user.id, integrationId: integration.id, action: 'alert.snooze', outcome: 'ok', detail: { until: until.toISOString() } }, now);
    await tellUser(rt, body.user.id, buildHeaderMessage('Snoozed', `Reminders for ${integration.name} are paused until ${slackDate(until)}. The alert stays open until it is fixed.`), reply);
  };
}
