import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { CheckNowResult } from '../../services/monitor/check-now.js';
import { buildHeaderMessage } from '../../slack/blocks/messages.js';
import { escapeMrkdwn, mentionAll, slackDate } from '../../slack/blocks/text.js';
import { tellUser } from '../../slack/notify.js';
import type { ListenerServices } from '../services.js';

function replyText(checked: CheckNowResult): string {
  if (checked.kind === 'not_found') return 'That integration no longer exists.';
  const name = escapeMrkdwn(checked.integrations.map((i) => i.name).join(', '));
  switch (checked.kind) {
    case 'denied':
      return `:no_entry: Only the owners of ${name} and Reauth admins can check it now. ${checked.approvers.length ? `Ask ${mentionAll(checked.approvers)}.` : 'It has no owners and there are no Reauth admins.'}`;
    case 'too_soon':
      return `:hourglass: ${name} was rejected by the provider less than 5 minutes ago, so it is not checked again yet (providers lock accounts after repeated bad attempts). Re-authenticate it instead, or check again after ${slackDate(checked.retryAt)}.\n> ${escapeMrkdwn(checked.reason)}`;
    case 'checked': {
      const { outcome, probed } = checked.result;
      if (!probed) return `${name} is an app integration: its health comes from the health webhook.`;
      return outcome.kind === 'valid'
        ? `:white_check_mark: ${name} works again: ${escapeMrkdwn(outcome.reason)}`
        : `:x: ${name} still fails: ${escapeMrkdwn(outcome.reason)}`;
    }
  }
}

/** Check now: owners and admins probe at once through the monitor's one probe path; the presser is told privately. */
export function handleCheckNow(services: ListenerServices) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const checked = await services.checkNow(action.value ?? '', body.user.id);
    const reply = body.container?.type === 'message' ? respond : undefined;
    await tellUser(
      services.slack,
      services.logger,
      body.user.id,
      buildHeaderMessage('Check now', replyText(checked)),
      reply,
    );
  };
}
