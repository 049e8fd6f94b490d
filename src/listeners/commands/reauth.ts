import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { buildHelp, buildOverview, buildStatus } from '../../slack/blocks/messages.js';
import { tellUser } from '../../slack/notify.js';
import { openReauth } from '../open-reauth.js';
import type { ListenerServices } from '../services.js';

/** `/reauth`, `/reauth <id>`, `/reauth status`, `/reauth help` (docs/slack.md). */
export function handleReauthCommand(services: ListenerServices) {
  return async ({ command, ack, respond }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    const [word] = command.text.trim().split(/\s+/).filter(Boolean);
    const argument = word?.toLowerCase();
    if (argument === 'help') {
      const help = buildHelp();
      await ack({ response_type: 'ephemeral', text: help.text, blocks: help.blocks });
      return;
    }
    await ack();
    if (argument === undefined) {
      const { integrations, health } = await services.directory.overview(command.user_id);
      await tellUser(services.slack, services.logger, command.user_id, buildOverview(integrations, health), respond);
      return;
    }
    if (argument === 'status') {
      const { integrations, health, expiries } = await services.directory.status();
      await tellUser(
        services.slack,
        services.logger,
        command.user_id,
        buildStatus(integrations, health, expiries),
        respond,
      );
      return;
    }
    await openReauth(services, {
      triggerId: command.trigger_id,
      userId: command.user_id,
      userName: command.user_name,
      integrationId: argument,
      respond,
    });
  };
}
