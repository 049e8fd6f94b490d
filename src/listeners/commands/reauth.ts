import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { listActiveIntegrations } from '../../db/repositories/integrations.js';
import { listHealth } from '../../db/repositories/health.js';
import type { Runtime } from '../../runtime.js';
import { manageableIntegrations } from '../../services/manageable.js';
import { buildHelp, buildOverview, buildStatus } from '../../slack/blocks/messages.js';
import { openReauth } from '../open-reauth.js';
import { tellUser } from '../reply.js';

/** `/reauth`, `/reauth <id>`, `/reauth status`, `/reauth help` (docs/slack.md). */
export function handleReauthCommand(rt: Runtime) {
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
      const mine = await manageableIntegrations(rt, command.user_id);
      await tellUser(rt, command.user_id, buildOverview(mine, listHealth(rt.db)), respond);
      return;
    }
    if (argument === 'status') {
      await tellUser(rt, command.user_id, buildStatus(listActiveIntegrations(rt.db), listHealth(rt.db)), respond);
      return;
    }
    await openReauth(rt, { triggerId: command.trigger_id, userId: command.user_id, integrationId: argument, respond });
  };
}
