import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type WebAPICallResult,
  type WebClientOptions,
} from '@slack/web-api';
import type { Config } from '../config.js';
import { toBoltLogger, type Logger } from '../logger.js';
import { slackErrorCode } from './errors.js';
import type { SlackTransport } from './fetch.js';

/** What services use of the Web API: posting and editing messages. */
export type SlackChat = { chat: Pick<WebClient['chat'], 'postMessage' | 'update'> };

/**
 * How long one Web API call may take: a hung or rate-limited call must not block the 3-second paths for
 * minutes (https://docs.slack.dev/tools/node-slack-sdk/web-api#automatic-retries).
 */
const CALL_TIMEOUT_MS = 10_000;
/** A call that did not reach Slack, or got a 5xx, is tried once more after this. */
const RETRY_AFTER_MS = 200;
const pauseBeforeRetry = () => new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));

/** Options shared by Reauth's own Web API client and Bolt's; `transport` is their one keep-alive connection pool. */
export function slackClientOptions(config: Config, logger: Logger, transport?: SlackTransport): WebClientOptions {
  return {
    ...(transport ? { fetch: transport.fetch } : {}),
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: toBoltLogger(logger),
    timeout: CALL_TIMEOUT_MS,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: RETRY_AFTER_MS, maxTimeout: 500 },
  };
}

/**
 * Reauth's Web API client: WebClient's methods (chat.postMessage, views.open, …, each bound to apiCall),
 * with apiCall made straight over the keep-alive transport. The request and the errors are WebClient's
 * (a POST whose nested values travel as JSON, a JSON body for write methods (JSON_METHODS);
 * WebAPIPlatformError for `ok: false`, WebAPIRateLimitedError for a 429 with Retry-After, WebAPIHTTPError,
 * WebAPIRequestError; one retry of a call that did not reach Slack or got a 5xx). What it leaves out:
 * WebClient's apiCall builds its debug lines (JSON of the redacted request and result) at every log level
 * and queues each call through p-queue and p-retry, ~3 s of 24 s of the app's CPU at 50 senders in a
 * profile (docs/performance.md). Every failed call is reported (method, Slack error code) before it is rethrown.
 */
class ReauthWebClient extends WebClient {
  constructor(
    token: string | undefined,
    options: WebClientOptions,
    private readonly transport: SlackTransport,
    private readonly onError: ((method: string, code: string) => void) | undefined,
    private readonly log: Logger,
  ) {
    super(token, options);
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    try {
      return await this.post(method, options);
    } catch (error) {
      this.onError?.(method, slackErrorCode(error));
      throw error;
    }
  }

  private async post(method: string, options: Record<string, unknown>): Promise<WebAPICallResult> {
    const token = typeof options.token === 'string' ? options.token : this.token;
    const json = JSON_METHODS.has(method);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': json ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const body = json ? jsonBody(options) : formBody(options);
    // Built only when debug is on; the logger scrubs links and secrets out of every value.
    const debug = this.log.isLevelEnabled('debug');
    if (debug) this.log.debug({ event: 'slack_api_call', method, request: body });
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await this.transport.fetch(`${this.slackApiUrl}${method}`, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        });
      } catch (error) {
        if (attempt === 1) {
          await pauseBeforeRetry();
          continue;
        }
        throw new WebAPIRequestError(error instanceof Error ? error : new Error(String(error)));
      }
      if (response.status === 429) {
        const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
        if (Number.isNaN(retryAfter))
          throw new Error(`Slack answered 429 for ${method} without a valid Retry-After header`);
        throw new WebAPIRateLimitedError(retryAfter);
      }
      if (response.status !== 200) {
        if (attempt === 1 && response.status >= 500) {
          await pauseBeforeRetry();
          continue;
        }
        const headersSeen = Object.fromEntries(response.headers.entries());
        throw new WebAPIHTTPError(response.status, response.statusText, headersSeen, await response.text());
      }
      const result = (await response.json()) as WebAPICallResult;
      if (debug)
        this.log.debug({
          event: 'slack_api_result',
          method,
          ok: result.ok,
          error: (result as { error?: string }).error,
        });
      if (!result.ok) throw new WebAPIPlatformError(result as WebAPICallResult & { error: string });
      return result;
    }
  }
}

/**
 * Methods whose arguments travel as a JSON body (https://docs.slack.dev/apis/web-api/#posting-json: write
 * methods accept JSON with the token in the Authorization header): a modal or a message is sent as it is
 * built, where a form would percent-encode its whole JSON (~5 % of the app's CPU at 50 senders). Every other
 * method is form-encoded, as WebClient sends it.
 */
const JSON_METHODS: ReadonlySet<string> = new Set([
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.update',
  'views.open',
  'views.update',
  'views.push',
  'views.publish',
]);

function jsonBody(options: Record<string, unknown>): string {
  const { token: _token, ...args } = options;
  return JSON.stringify(args);
}

/** The arguments as WebClient sends them: strings, numbers and booleans as they are, anything else as JSON. */
function formBody(options: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null || key === 'token') continue;
    form.append(
      key,
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value),
    );
  }
  return form.toString();
}

/** Reauth's Web API client; `onError` hears of every failed call, for the metrics. */
export function createSlackClient(
  config: Config,
  logger: Logger,
  onError: ((method: string, code: string) => void) | undefined,
  transport: SlackTransport,
): WebClient {
  const options = slackClientOptions(config, logger, transport);
  return new ReauthWebClient(config.slack.botToken, options, transport, onError, logger.child({ component: 'slack' }));
}
