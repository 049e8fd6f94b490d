import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { slackErrorCode } from '../../slack/errors.js';
import { viewFor } from '../open-reauth.js';
import type { ListenerServices } from '../services.js';

/** "Try again" in a result view: the same modal goes back to an empty form. */
export function handleTryAgain(services: ListenerServices) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const viewId = body.view?.id;
    if (!viewId) return;
    const surface = await services.entry.again(body.user.id, action.value ?? '', body.user.name);
    if (!surface) return;
    try {
      await services.slack.views.update({ view_id: viewId, view: viewFor(surface) });
    } catch (error) {
      services.logger.warn(
        { integration: surface.integration.id, error: slackErrorCode(error) },
        'could not show the form again',
      );
    }
  };
}
