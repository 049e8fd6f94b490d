import type { RespondFn } from '@slack/bolt';
import type { Runtime } from '../runtime.js';
import type { MessageContent } from '../slack/blocks/messages.js';
import { slackErrorCode } from '../services/slack-errors.js';

/**
 * Tells one person something privately: through the interaction's response_url when there is one
 * (an ephemeral reply), else by direct message.
 */
export async function tellUser(rt: Runtime, userId: string, content: MessageContent, respond?: RespondFn): Promise<void> {
  try {
    if (respond) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: content.text, blocks: content.blocks });
      return;
    }
    await rt.slack.chat.postMessage({ channel: userId, text: content.text, blocks: content.blocks });
  } catch (error) {
    rt.logger.warn({ user: userId, error: slackErrorCode(error) }, 'could not send a private reply');
  }
}
