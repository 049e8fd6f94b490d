import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';

/** Slack's replay window: a request signed more than this far from now, either way, is refused. */
export const SLACK_REQUEST_WINDOW_SECONDS = 5 * 60;

/**
 * Bolt's HTTP receiver, which verifies the signature and refuses requests more than 5 minutes old,
 * plus the other half of the window: a request timestamped more than 5 minutes ahead is refused
 * too, or a captured request signed with a future timestamp could be replayed until then
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack); and a request whose
 * signature was already seen is refused as a replay.
 */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(401).end();
}

export function createSlackReceiver(options: {
  signingSecret: string;
  endpoint: string;
  customRoutes: CustomRoute[];
  logger: BoltLogger;
  /** Remembers a request signature; false when it was seen before (a replay within the window). */
  rememberSignature: (signature: string) => Promise<boolean>;
  now?: () => number;
}): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: [options.endpoint], customRoutes: options.customRoutes, logger: options.logger, processBeforeResponse: false });
  const bolt = receiver.requestListener;
  const now = options.now ?? Date.now;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    const slackRequest = req.method === 'POST' && new URL(req.url ?? '/', 'http://reauth').pathname === options.endpoint;
    if (!slackRequest) return bolt(req, res);
    if (Number.isFinite(timestamp) && timestamp - now() / 1000 > SLACK_REQUEST_WINDOW_SECONDS) {
      options.logger.warn('Refused a Slack request timestamped more than 5 minutes ahead of this clock (a replay, or a clock out of sync).');
      return refuse(req, res);
    }
    const signatureHeader = req.headers['x-slack-signature'];
    const signature = Array.isArray(signatureHeader) ? signatureHeader[0] : signatureHeader;
    if (!signature) return bolt(req, res);
    // Slack signs every delivery anew; the same signature twice is the same request captured and
    // sent again. Remembered whether or not it verifies: only its sender can have made it.
    options.rememberSignature(`slack:${signature}`).then(
      (first) => {
        if (first) return bolt(req, res);
        options.logger.warn('Refused a Slack request whose signature was already used (a replay).');
        refuse(req, res);
      },
      (error: unknown) => {
        options.logger.error(`Could not check a Slack request for replay: ${(error as Error).message}`);
        res.writeHead(503).end();
      },
    );
  };
  return receiver;
}
