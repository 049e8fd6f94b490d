import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, type ServerResponse } from 'node:http';
import { HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import { readBodyLimited } from './read-body.js';
import { isForReauth } from './slack-routing.js';

/** Slack's replay window: a request signed more than this far from now, either way, is refused. */
export const SLACK_REQUEST_WINDOW_SECONDS = 5 * 60;

/** Slack's payloads are far smaller; anything larger is refused before it is parsed. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface SlackReceiverOptions {
  signingSecret: string;
  endpoint: string;
  customRoutes: CustomRoute[];
  logger: BoltLogger;
  /** Remembers a verified request signature; false when it was seen before (a replay within the window). */
  rememberSignature: (signature: string) => Promise<boolean>;
  /** True once a shutdown began: requests are answered at once with "restarting, try again". */
  isStopping?: () => boolean;
  now?: () => number;
}

const RESTARTING = 'Reauth is restarting; nothing was changed. Try again in a minute.';

/** A fast answer while shutting down that the person sees, where Slack shows one. */
function restartingAnswer(contentType: string, body: string): string {
  if (contentType.startsWith('application/json')) return '';
  const form = new URLSearchParams(body);
  if (form.get('command') !== null) return JSON.stringify({ response_type: 'ephemeral', text: RESTARTING });
  const payload = JSON.parse(form.get('payload') ?? '{}') as { type?: string; view?: { state?: { values?: Record<string, unknown> } } };
  const field = Object.keys(payload.view?.state?.values ?? {})[0];
  return payload.type === 'view_submission' && field ? JSON.stringify({ response_action: 'errors', errors: { [field]: RESTARTING } }) : '';
}

/** The same request again, for Bolt to read after the body was read and checked here. */
function replayOf(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.headers = req.headers;
  copy.rawHeaders = req.rawHeaders;
  copy.method = req.method ?? 'POST';
  copy.url = req.url ?? '/';
  copy.httpVersion = req.httpVersion;
  copy.push(body);
  copy.push(null);
  // The body is whole: reading it to the end must not count as an aborted request (which closes the socket).
  copy.complete = true;
  return copy;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True when the body is a shape Slack sends: a form (with a JSON object as `payload`, if any) or a JSON object. */
function isSlackShaped(contentType: string, body: string): boolean {
  try {
    if (contentType.startsWith('application/json')) {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    }
    const payload = new URLSearchParams(body).get('payload');
    if (payload === null) return true;
    const parsed: unknown = JSON.parse(payload);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/**
 * Bolt's HTTP receiver behind a stricter door for `/slack/events`
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack): the signature is checked
 * here as Bolt would, and also refused when the timestamp is more than 5 minutes ahead (Bolt checks
 * only the past), when the same signature was already used (a replay), or when the body is not a
 * shape Slack sends (Bolt crashes on a signed `payload=null`); a request no listener handles is
 * acknowledged at once. What passes is handed to Bolt unchanged.
 */
export function createSlackReceiver(options: SlackReceiverOptions): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: [options.endpoint], customRoutes: options.customRoutes, logger: options.logger, processBeforeResponse: false });
  const bolt = receiver.requestListener;
  const now = options.now ?? Date.now;
  const refuse = (res: ServerResponse, status: number, why: string) => {
    options.logger.warn(`Refused a request to ${options.endpoint}: ${why}.`);
    res.writeHead(status).end();
  };

  async function guard(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBodyLimited(req, MAX_BODY_BYTES);
    if (body === undefined) return refuse(res, 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    const contentType = header(req, 'content-type') ?? '';
    // Slack's unsigned SSL check of a slash command URL: Bolt answers it.
    if (contentType.startsWith('application/x-www-form-urlencoded') && new URLSearchParams(body).get('ssl_check') === '1') return bolt(replayOf(req, Buffer.from(body)), res);

    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const signature = header(req, 'x-slack-signature') ?? '';
    if (!Number.isInteger(timestamp) || Math.abs(now() / 1000 - timestamp) > SLACK_REQUEST_WINDOW_SECONDS) return refuse(res, 401, 'its timestamp is missing or more than 5 minutes from now (a replay, or a clock out of sync)');
    const expected = Buffer.from(`v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`);
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return refuse(res, 401, 'its signature does not match SLACK_SIGNING_SECRET');
    // Slack signs every delivery anew: the same signature twice is one request captured and sent again.
    if (!(await options.rememberSignature(`slack:${signature}`))) return refuse(res, 401, 'its signature was already used (a replay)');
    if (!isSlackShaped(contentType, body)) return refuse(res, 400, 'its body is not a shape Slack sends');
    if (options.isStopping?.()) {
      const answer = restartingAnswer(contentType, body);
      res.writeHead(200, answer ? { 'Content-Type': 'application/json' } : {}).end(answer);
      return;
    }
    if (!isForReauth(contentType, body)) {
      options.logger.debug('Acknowledged a Slack request Reauth has no listener for.');
      res.writeHead(200).end();
      return;
    }
    bolt(replayOf(req, Buffer.from(body)), res);
  }

  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://reauth').pathname !== options.endpoint) return bolt(req, res);
    guard(req, res).catch((error: unknown) => {
      options.logger.error(`Could not check a Slack request: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(503).end();
    });
  };
  return receiver;
}
