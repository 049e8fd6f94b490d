import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Config } from '../config.js';
import { toBoltLogger, type Logger } from '../logger.js';
import { slackErrorCode } from './errors.js';
import type { SlackTransport } from './fetch.js';

/** What services use of the Web API: posting and editing messages. */
export type SlackChat = { chat: Pick<WebClient['chat'], 'postMessage' | 'update'> };

/** Options shared by Reauth's own Web API client and Bolt's; `transport` is their one keep-alive connection pool. */
export function slackClientOptions(config: Config, logger: Logger, transport?: SlackTransport): WebClientOptions {
  return {
    ...(transport ? { fetch: transport.fetch } : {}),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: toBoltLogger(logger),
    // A hung or rate-limited call must not block the 3-second paths for minutes
    // (https://docs.slack.dev/tools/node-slack-sdk/web-api#automatic-retries).
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
  };
}

/** A Web API client that reports every failed call (method, Slack error code) before rethrowing it. */
class ReportingWebClient extends WebClient {
  constructor(
    token: string | undefined,
    options: WebClientOptions,
    private readonly onError: (method: string, code: string) => void,
  ) {
    super(token, options);
  }

  // Every method (chat.postMessage, views.open, …) is bound to apiCall when the client is built.
  override async apiCall(method: string, options?: Record<string, unknown>): ReturnType<WebClient['apiCall']> {
    try {
      return await super.apiCall(method, options);
    } catch (error) {
      this.onError(method, slackErrorCode(error));
      throw error;
    }
  }
}

/** Reauth's Web API client; `onError` hears of every failed call, for the metrics. */
export function createSlackClient(
  config: Config,
  logger: Logger,
  onError?: (method: string, code: string) => void,
  transport?: SlackTransport,
): WebClient {
  const options = slackClientOptions(config, logger, transport);
  return onError
    ? new ReportingWebClient(config.slack.botToken, options, onError)
    : new WebClient(config.slack.botToken, options);
}
