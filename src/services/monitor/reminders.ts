import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import { buildReminder } from '../../slack/blocks/alert.js';
import type { SlackChat } from '../../slack/client.js';
import { slackErrorCode } from '../../slack/errors.js';
import type { Authoriser } from '../authorisation.js';
import { alertLabel } from '../alerts.js';

export interface ReminderDeps {
  store: Pick<Store, 'alerts' | 'integrations'>;
  slack: SlackChat;
  authoriser: Pick<Authoriser, 'approvers'>;
  clock: Clock;
  logger: Logger;
  /** REMINDER_INTERVAL_HOURS in ms; 0 disables reminders. */
  reminderMs: number;
}

/** A reminder in the thread of each posted, unsnoozed open alert, once per interval. */
export function createReminders(deps: ReminderDeps) {
  return async function sendReminders(): Promise<number> {
    if (deps.reminderMs <= 0) return 0;
    const now = deps.clock.now();
    let sent = 0;
    for (const alert of await deps.store.alerts.listOpen()) {
      if (!alert.messageTs) continue;
      if (alert.snoozedUntil && alert.snoozedUntil.getTime() > now.getTime()) continue;
      const last = alert.lastReminderAt ?? alert.openedAt;
      if (now.getTime() - last.getTime() < deps.reminderMs) continue;
      const integrations = await deps.store.integrations.listByIds(alert.integrationIds);
      const reminder = buildReminder({
        integrations,
        approvers: deps.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]),
        since: alert.openedAt,
        reason: alert.reason ?? 'still failing',
      });
      try {
        await deps.slack.chat.postMessage({
          channel: alert.channel,
          thread_ts: alert.messageTs,
          text: reminder.text,
          blocks: reminder.blocks,
        });
        await deps.store.alerts.update(alert.id, { lastReminderAt: now });
        sent += 1;
      } catch (error) {
        deps.logger.warn(
          { alert: alertLabel(alert.alertKey), error: slackErrorCode(error) },
          'could not post a reminder',
        );
      }
    }
    return sent;
  };
}
