import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildHeaderMessage } from '../../slack/blocks/messages.js';
import { escapeMrkdwn, mentionAll, slackDate } from '../../slack/blocks/text.js';
import { tellUser } from '../../slack/notify.js';
import type { ListenerServices } from '../services.js';

/** Snooze 24 h: no reminders for the open alert until then. The alert itself stays. */
export function handleSnooze(services: ListenerServices) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const reply = body.container?.type === 'message' ? respond : undefined;
    const result = await services.snooze(action.value ?? '', body.user.id);
    const message = result.ok
      ? buildHeaderMessage(
          'Snoozed',
          `Reminders for ${escapeMrkdwn(result.integration.name)} are paused until ${slackDate(result.until)}. The alert stays open until it is fixed.`,
        )
      : result.reason === 'denied'
        ? buildHeaderMessage(
            'Snooze',
            `:no_entry: Only the owners of ${escapeMrkdwn(result.integration.name)} and Reauth admins can snooze its reminders. ${result.approvers.length ? `Ask ${mentionAll(result.approvers)}.` : ''}`,
          )
        : buildHeaderMessage('Snooze', 'There is no open alert to snooze: it may already be resolved.');
    await tellUser(services.slack, services.logger, body.user.id, message, reply);
  };
}
