import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../config.js';
import { toBoltLogger, type Logger } from '../logger.js';

/** What services use of the Web API: posting and editing messages. */
export type SlackChat = { chat: Pick<WebClient['chat'], 'postMessage' | 'update'> };

/** Options shared by Reauth's own Web API client and Bolt's. */
export function slackClientOptions(config: Config, logger: Logger): WebClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: toBoltLogger(logger),
    // A hung or rate-limited call must not block the 3-second paths for minutes
    // (https://docs.slack.dev/tools/node-slack-sdk/web-api#automatic-retries).
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
  };
}

export function createSlackClient(config: Config, logger: Logger): WebClient {
  return new WebClient(config.slack.botToken, slackClientOptions(config, logger));
}
