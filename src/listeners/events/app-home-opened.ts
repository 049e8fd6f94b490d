import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { currentCredential } from '../../db/repositories/credentials.js';
import { listHealth } from '../../db/repositories/health.js';
import type { Runtime } from '../../runtime.js';
import { manageableIntegrations } from '../../services/manageable.js';
import { slackErrorCode } from '../../services/slack-errors.js';
import { buildHomeView } from '../../slack/blocks/home.js';

/** App Home: publish the integrations this person may manage. */
export function handleAppHomeOpened(rt: Runtime) {
  return async ({ event }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>): Promise<void> => {
    if (event.tab !== 'home') return;
    const integrations = await manageableIntegrations(rt, event.user);
    const view = buildHomeView({
      integrations,
      health: listHealth(rt.db),
      credentials: new Map(integrations.map((i) => [i.id, currentCredential(rt.db, i.credentialKey)])),
    });
    try {
      await rt.slack.views.publish({ user_id: event.user, view });
    } catch (error) {
      rt.logger.warn({ user: event.user, error: slackErrorCode(error) }, 'could not publish the Home tab');
    }
  };
}
