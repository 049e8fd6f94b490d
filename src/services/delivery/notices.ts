import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import { buildDeliveryLines } from '../../slack/blocks/delivery.js';
import type { Block } from '../../slack/blocks/text.js';
import { slackErrorCode } from '../../slack/errors.js';
import { lineOf } from './sink-states.js';

export interface DeliveryNoticeDeps {
  store: Pick<Store, 'deliveries'>;
  slack: { chat: Pick<WebClient['chat'], 'update'>; views: Pick<WebClient['views'], 'update'> };
  clock: Clock;
  logger: Logger;
}

const DELIVERY_BLOCK = 'reauth_delivery';

/** Replaces (or adds) the delivery lines in a message's or view's blocks. */
function withLines(blocks: readonly Block[], lines: readonly Block[]): Block[] {
  const kept = blocks.filter((b) => b.block_id !== DELIVERY_BLOCK);
  const actionsAt = kept.findIndex((b) => b.type === 'actions');
  return actionsAt < 0 ? [...kept, ...lines] : [...kept.slice(0, actionsAt), ...lines, ...kept.slice(actionsAt)];
}

/**
 * The Slack outcome of a re-authentication lists each sink and its state. The messages and modal that
 * show it are remembered, and edited in place as each delivery finishes.
 */
export function createDeliveryNotices(deps: DeliveryNoticeDeps) {
  async function linesFor(credentialId: number): Promise<Block[]> {
    return buildDeliveryLines((await deps.store.deliveries.forCredential(credentialId)).map(lineOf));
  }

  return {
    /** The delivery lines for a credential version, to include when its outcome is first shown. */
    linesFor,
    addLines: withLines,
    /**
     * Remembers a message (channel and ts) or a modal (view id) that shows this version's delivery;
     * callers remember only what they showed delivery lines in.
     */
    async remember(
      credentialId: number,
      integrationId: string,
      shown: { channel: string; ts: string; text: string; blocks: Block[] } | { viewId: string; view: View },
    ): Promise<void> {
      const notice =
        'viewId' in shown
          ? { channel: null, messageTs: null, viewId: shown.viewId, content: { view: shown.view } }
          : {
              channel: shown.channel,
              messageTs: shown.ts,
              viewId: null,
              content: { text: shown.text, blocks: shown.blocks },
            };
      await deps.store.deliveries.addNotice({ credentialId, integrationId, ...notice }, deps.clock.now());
      // A delivery that finished between the lines being built and the notice being remembered found
      // no notice to edit: edit it now, so it never stays "pending".
      const shownBlocks = ('viewId' in shown ? shown.view.blocks : shown.blocks) as Block[];
      const linesShown = shownBlocks.filter((b) => b.block_id === DELIVERY_BLOCK);
      const linesNow = (await linesFor(credentialId)).filter((b) => b.block_id === DELIVERY_BLOCK);
      if (JSON.stringify(linesShown) !== JSON.stringify(linesNow)) await refresh(credentialId);
    },
    refresh,
  };

  /** Edits every message and modal showing this version with the current delivery states. */
  async function refresh(credentialId: number): Promise<void> {
    const notices = await deps.store.deliveries.notices(credentialId);
    if (notices.length === 0) return;
    const lines = await linesFor(credentialId);
    for (const notice of notices) {
      try {
        if (notice.viewId) {
          const view = notice.content.view as View;
          await deps.slack.views.update({
            view_id: notice.viewId,
            view: { ...view, blocks: withLines(view.blocks as Block[], lines) } as View,
          });
        } else if (notice.channel && notice.messageTs) {
          const blocks = withLines((notice.content.blocks as Block[] | undefined) ?? [], lines);
          await deps.slack.chat.update({
            channel: notice.channel,
            ts: notice.messageTs,
            text: String(notice.content.text ?? ''),
            blocks,
          });
        }
      } catch (error) {
        const code = slackErrorCode(error);
        // A closed modal cannot be updated any more: forget it.
        if (notice.viewId && (code === 'not_found' || code === 'view_not_found'))
          await deps.store.deliveries.removeNotice(notice.id);
        else
          deps.logger.warn(
            { integration: notice.integrationId, error: code },
            'could not update the delivery status in Slack',
          );
      }
    }
  }
}

export type DeliveryNotices = ReturnType<typeof createDeliveryNotices>;
