import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { MessageContent } from './blocks/messages.js';
import { slackErrorCode } from './errors.js';

/** An interaction's response_url, as Bolt's `respond` exposes it. */
export type Respond = (message: {
  response_type: 'ephemeral';
  replace_original: false;
  text: string;
  blocks: MessageContent['blocks'];
}) => Promise<unknown>;

/**
 * Tells one person something privately: through the interaction's response_url when there is one
 * (an ephemeral reply), else by direct message.
 */
export async function tellUser(
  slack: Pick<WebClient, 'chat'>,
  logger: Logger,
  userId: string,
  content: MessageContent,
  respond?: Respond,
): Promise<void> {
  try {
    if (respond) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: content.text,
        blocks: content.blocks,
      });
      return;
    }
    await slack.chat.postMessage({ channel: userId, text: content.text, blocks: content.blocks });
  } catch (error) {
    logger.warn({ user: userId, error: slackErrorCode(error) }, 'could not send a private reply');
  }
}
