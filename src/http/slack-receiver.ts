import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';

/** Slack's replay window: a request signed more than this far from now, either way, is refused. */
export const SLACK_REQUEST_WINDOW_SECONDS = 5 * 60;

/**
 * Bolt's HTTP receiver, which verifies the signature and refuses requests more than 5 minutes old,
 * plus the other half of the window: a request timestamped more than 5 minutes ahead is refused
 * too, or a captured request signed with a future timestamp could be replayed until then
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack).
 */
export function createSlackReceiver(options: { signingSecret: string; endpoint: string; customRoutes: CustomRoute[]; logger: BoltLogger; now?: () => number }): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: [options.endpoint], customRoutes: options.customRoutes, logger: options.logger, processBeforeResponse: false });
  const bolt = receiver.requestListener;
  const now = options.now ?? Date.now;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    if (req.method === 'POST' && new URL(req.url ?? '/', 'http://reauth').pathname === options.endpoint && Number.isFinite(timestamp) && timestamp - now() / 1000 > SLACK_REQUEST_WINDOW_SECONDS) {
      options.logger.warn('Refused a Slack request timestamped more than 5 minutes ahead of this clock (a replay, or a clock out of sync).');
      req.resume();
      res.writeHead(401).end();
      return;
    }
    bolt(req, res);
  };
  return receiver;
}
