import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { listHealth } from '../../db/repositories/health.js';
import type { Runtime } from '../../runtime.js';
import { manageableIntegrations } from '../../services/manageable.js';
import { buildOverview } from '../../slack/blocks/messages.js';

/** Next / Previous in the `/reauth` overview: replaces the ephemeral message with that page. */
export function handleOverviewPage(rt: Runtime) {
  return async ({ ack, body, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const page = Number(action.value ?? '0');
    const overview = buildOverview(await manageableIntegrations(rt, body.user.id), listHealth(rt.db), Number.isFinite(page) ? page : 0);
    await respond({ replace_original: true, text: overview.text, blocks: overview.blocks });
  };
}
