import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildHeaderMessage } from '../../slack/blocks/messages.js';
import { escapeMrkdwn } from '../../slack/blocks/text.js';
import { tellUser } from '../../slack/notify.js';
import type { ListenerServices } from '../services.js';

/** Check now: probes at once through the monitor's one probe path; tells the presser. */
export function handleCheckNow(services: ListenerServices) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const checked = await services.checkNow(action.value ?? '', body.user.id);
    const reply = body.container?.type === 'message' ? respond : undefined;
    if (!checked) {
      await tellUser(services.slack, services.logger, body.user.id, buildHeaderMessage('Check now', 'That integration no longer exists.'), reply);
      return;
    }
    const name = checked.integrations.map((i) => i.name).join(', ');
    const { outcome, probed } = checked.result;
    const text = !probed
      ? `${escapeMrkdwn(name)} is an app integration: its health comes from the health webhook.`
      : outcome.kind === 'valid'
        ? `:white_check_mark: ${escapeMrkdwn(name)} works again: ${escapeMrkdwn(outcome.reason)}`
        : `:x: ${escapeMrkdwn(name)} still fails: ${escapeMrkdwn(outcome.reason)}`;
    await tellUser(services.slack, services.logger, body.user.id, buildHeaderMessage('Check now', text), reply);
  };
}
