import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { openReauth } from '../open-reauth.js';
import type { ListenerServices } from '../services.js';

/** The Re-authenticate button, wherever it is (alert, overview, App Home, expiry warning). */
export function handleReauthenticateButton(services: ListenerServices) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const fromMessage = body.container?.type === 'message';
    await openReauth(services, {
      triggerId: body.trigger_id,
      userId: body.user.id,
      userName: body.user.name,
      integrationId: action.value ?? '',
      respond: fromMessage ? respond : undefined,
    });
  };
}
