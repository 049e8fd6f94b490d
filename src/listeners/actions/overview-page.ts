import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildOverview } from '../../slack/blocks/messages.js';
import type { ListenerServices } from '../services.js';

/** Next / Previous in the `/reauth` overview: replaces the ephemeral message with that page. */
export function handleOverviewPage(services: ListenerServices) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockButtonAction>): Promise<void> => {
    await ack();
    const page = Number(action.value ?? '0');
    const { integrations, health } = await services.directory.overview(body.user.id);
    const overview = buildOverview(integrations, health, Number.isFinite(page) ? page : 0);
    await respond({ replace_original: true, text: overview.text, blocks: overview.blocks });
  };
}
