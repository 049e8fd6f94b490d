import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { buildHomeView } from '../../slack/blocks/home.js';
import { slackErrorCode } from '../../slack/errors.js';
import type { ListenerServices } from '../services.js';

/** App Home: publish the integrations this person may manage. */
export function handleAppHomeOpened(services: ListenerServices) {
  return async ({ event }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    if (event.tab !== 'home') return;
    const view = buildHomeView(await services.directory.home(event.user));
    try {
      await services.slack.views.publish({ user_id: event.user, view });
    } catch (error) {
      services.logger.warn({ user: event.user, error: slackErrorCode(error) }, 'could not publish the Home tab');
    }
  };
}
