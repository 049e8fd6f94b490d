import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Runtime } from '../../runtime.js';
import type { HealthMonitor } from '../../services/health-monitor.js';
import { buildHeaderMessage } from '../../slack/blocks/messages.js';
import { escapeMrkdwn } from '../../slack/blocks/text.js';
import { tellUser } from '../reply.js';

/** Check now: probes at once (ignoring back-off) through the monitor's one probe path; tells the presser. */
export function handleCheckNow(rt: Runtime, monitor: HealthMonitor) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const checked = await monitor.checkNow(action.value ?? '', body.user.id);
    const reply = body.container?.type === 'message' ? respond : undefined;
    if (!checked) {
      await tellUser(rt, body.user.id, buildHeaderMessage('Check now', 'That integration no longer exists.'), reply);
      return;
    }
    const name = checked.integrations.map((i) => i.name).join(', ');
    const { outcome, probed } = checked.result;
    const text = !probed
      ? `${escapeMrkdwn(name)} is an app integration: its health comes from the health webhook.`
      : outcome.kind === 'valid'
        ? `:white_check_mark: ${escapeMrkdwn(name)} works again: ${escapeMrkdwn(outcome.reason)}`
        : `:x: ${escapeMrkdwn(name)} still fails: ${escapeMrkdwn(outcome.reason)}`;
    await tellUser(rt, body.user.id, buildHeaderMessage('Check now', text), reply);
  };
}
