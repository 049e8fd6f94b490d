import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { RotateNowResult } from '../../services/rotate-now.js';
import { buildHeaderMessage } from '../../slack/blocks/messages.js';
import { escapeMrkdwn, mentionAll } from '../../slack/blocks/text.js';
import { tellUser } from '../../slack/notify.js';
import type { ListenerServices } from '../services.js';

function replyText(done: RotateNowResult): string {
  if (done.kind === 'not_found') return 'That integration no longer exists.';
  const name = escapeMrkdwn(done.integration.name);
  if (done.kind === 'denied')
    return `:no_entry: Only the owners of ${name} and Reauth admins can rotate it. ${done.approvers.length ? `Ask ${mentionAll(done.approvers)}.` : 'It has no owners and there are no Reauth admins.'}`;
  const { result } = done;
  if (result.status === 'rotated')
    return `:arrows_counterclockwise: ${name} was rotated: the new credential is being delivered. ${escapeMrkdwn(result.previousNote)}`;
  return `:x: ${name} was not rotated: ${escapeMrkdwn(result.reason)}`;
}

/** Rotate now: owners and admins renew a credential at once; the presser is told privately. */
export function handleRotateNow(services: ListenerServices) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const done = await services.rotateNow(action.value ?? '', body.user.id);
    await tellUser(
      services.slack,
      services.logger,
      body.user.id,
      buildHeaderMessage('Rotate now', replyText(done)),
      body.container?.type === 'message' ? respond : undefined,
    );
  };
}
