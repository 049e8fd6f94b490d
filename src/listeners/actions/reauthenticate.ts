import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Runtime } from '../../runtime.js';
import { openReauth } from '../open-reauth.js';

/** The Re-authenticate button, wherever it is (alert, overview, App Home, expiry warning). */
export function handleReauthenticateButton(rt: Runtime) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const fromMessage = body.container?.type === 'message';
    await openReauth(rt, { triggerId: body.trigger_id, userId: body.user.id, integrationId: action.value ?? '', respond: fromMessage ? respond : undefined });
  };
}
