import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { findActiveIntegration } from '../../db/repositories/integrations.js';
import type { Runtime } from '../../runtime.js';
import { slackErrorCode } from '../../services/slack-errors.js';
import { refusalFor, surfaceFor } from '../open-reauth.js';

/** "Try again" in a result view: the same modal goes back to an empty form. */
export function handleTryAgain(rt: Runtime) {
  return async ({ ack, body, action }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const integration = findActiveIntegration(rt.db, action.value ?? '');
    const viewId = body.view?.id;
    if (!integration || !viewId) return;
    const allowed = await rt.authoriser.canManage(body.user.id, integration.owners);
    try {
      await rt.slack.views.update({ view_id: viewId, view: allowed ? surfaceFor(rt, integration, body.user.id) : refusalFor(rt, integration) });
    } catch (error) {
      rt.logger.warn({ integration: integration.id, error: slackErrorCode(error) }, 'could not show the form again');
    }
  };
}
