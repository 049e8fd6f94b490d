import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, type ServerResponse } from 'node:http';
import { HTTPModuleFunctions, HTTPReceiver, HTTPResponseAck, type App, type CustomRoute, type Logger as BoltLogger, type ReceiverProcessEventErrorHandlerArgs, type ReceiverUnhandledRequestHandlerArgs } from '@slack/bolt';
import { readBodyLimited } from './read-body.js';
import { isForReauth, parseSlackBody, restartingAnswer, type SlackBody } from './slack-routing.js';

/** What Bolt's HTTPReceiver keeps after init(app) and reuses here for requests already verified and parsed. */
interface ReceiverInternals {
  app: App | undefined;
  unhandledRequestHandler: (args: ReceiverUnhandledRequestHandlerArgs) => void;
  unhandledRequestTimeoutMillis: number;
  processEventErrorHandler: (args: ReceiverProcessEventErrorHandlerArgs) => Promise<boolean>;
}

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

/** The same request again, for Bolt to read after the body was read and checked here. */
function replayOf(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(req.socket);
  copy.headers = { ...req.headers, 'content-length': String(body.length) };
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

/**
 * Exact paths ("/healthz") and one trailing parameter ("/v1/credentials/:id"), as Reauth's routes
 * use them; anything else is left to Bolt.
 */
function createRouteTable(routes: readonly CustomRoute[]): (path: string) => { handler: CustomRoute['handler']; params: Record<string, string> } | undefined {
  const exact = new Map<string, CustomRoute['handler']>();
  const prefixed: { prefix: string; param: string; handler: CustomRoute['handler'] }[] = [];
  for (const route of routes) {
    const handler = typeof route.handler === 'function' ? route.handler : undefined;
    if (!handler) continue;
    const param = /^(\/[\w/-]*\/):(\w+)$/.exec(route.path);
    if (param) prefixed.push({ prefix: param[1] ?? '', param: param[2] ?? '', handler });
    else if (!route.path.includes(':') && !route.path.includes('*')) exact.set(route.path, handler);
  }
  return (path) => {
    const handler = exact.get(path);
    if (handler) return { handler, params: {} };
    for (const route of prefixed) {
      if (!path.startsWith(route.prefix)) continue;
      const rest = path.slice(route.prefix.length);
      if (rest && !rest.includes('/')) return { handler: route.handler, params: { [route.param]: rest } };
    }
    return undefined;
  };
}

function hasValidPercentEncoding(url: string): boolean {
  try {
    decodeURIComponent(url.split('?')[0] ?? '');
    return true;
  } catch {
    return false;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Bolt's HTTP receiver behind a stricter door for `/slack/events`
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack): the signature is checked
 * here (once: Bolt's own check is off), and a request is also refused when the timestamp is more than 5 minutes ahead (Bolt checks
 * only the past), when the same signature was already used (a replay), or when the body is not a
 * shape Slack sends (Bolt crashes on a signed `payload=null`); a request no listener handles is
 * acknowledged at once. What passes goes to the app as Bolt's receiver would hand it on, parsed once.
 */
export function createSlackReceiver(options: SlackReceiverOptions): HTTPReceiver {
  // The signature is verified here, before anything else; Bolt need not do it again.
  const receiver = new HTTPReceiver({ signingSecret: options.signingSecret, signatureVerification: false, endpoints: [options.endpoint], customRoutes: options.customRoutes, logger: options.logger, processBeforeResponse: false });
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
    // Nothing else of an unsigned body reaches Bolt.
    if (contentType.startsWith('application/x-www-form-urlencoded') && new URLSearchParams(body).get('ssl_check') === '1') return bolt(replayOf(req, Buffer.from('ssl_check=1')), res);

    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const signature = header(req, 'x-slack-signature') ?? '';
    if (!Number.isInteger(timestamp) || Math.abs(now() / 1000 - timestamp) > SLACK_REQUEST_WINDOW_SECONDS) return refuse(res, 401, 'its timestamp is missing or more than 5 minutes from now (a replay, or a clock out of sync)');
    const expected = Buffer.from(`v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`);
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return refuse(res, 401, 'its signature does not match SLACK_SIGNING_SECRET');
    // Slack signs every delivery anew: the same signature twice is one request captured and sent again.
    if (!(await options.rememberSignature(`slack:${signature}`))) return refuse(res, 401, 'its signature was already used (a replay)');
    const parsed = parseSlackBody(contentType, body);
    if (!parsed) return refuse(res, 400, 'its body is not a shape Slack sends');
    if (options.isStopping?.()) {
      const answer = restartingAnswer(parsed);
      res.writeHead(200, answer ? { 'Content-Type': 'application/json' } : {}).end(answer);
      return;
    }
    if (!isForReauth(parsed)) {
      options.logger.debug('Acknowledged a Slack request Reauth has no listener for.');
      res.writeHead(200).end();
      return;
    }
    if (parsed.kind === 'event' && parsed.event.type === 'url_verification') return bolt(replayOf(req, Buffer.from(body)), res);
    await dispatch(req, res, body, parsed);
  }

  /**
   * Hands a verified, parsed request to the app as Bolt's own receiver would after parsing it
   * (HTTPReceiver.handleIncomingEvent): the same ack object and event, without reading and parsing
   * the body a second time.
   */
  async function dispatch(req: IncomingMessage, res: ServerResponse, raw: string, parsed: SlackBody): Promise<void> {
    const internals = receiver as unknown as ReceiverInternals;
    const boltBody = parsed.kind === 'event' ? parsed.event : (parsed.payload ?? Object.fromEntries(parsed.form));
    const request = Object.assign(req, { rawBody: Buffer.from(raw) });
    const ack = new HTTPResponseAck({ logger: options.logger, processBeforeResponse: false, unhandledRequestHandler: internals.unhandledRequestHandler, unhandledRequestTimeoutMillis: internals.unhandledRequestTimeoutMillis, httpRequest: request, httpRequestBody: boltBody, httpResponse: res });
    const retryNum = HTTPModuleFunctions.extractRetryNumFromHTTPRequest(req);
    const retryReason = HTTPModuleFunctions.extractRetryReasonFromHTTPRequest(req);
    const event = { body: boltBody as Record<string, unknown>, ack: ack.bind(), ...(retryNum === undefined ? {} : { retryNum }), ...(retryReason === undefined ? {} : { retryReason }), customProperties: {} };
    try {
      await internals.app?.processEvent(event);
    } catch (error) {
      if (await internals.processEventErrorHandler({ error: error as Error, logger: options.logger, request: req, response: res, storedResponse: ack.storedResponse })) ack.ack();
    }
  }

  const routeOf = createRouteTable(options.customRoutes);
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (!hasValidPercentEncoding(req.url ?? '/')) {
      // Bolt's route matching decodes the path and would answer a malformed one with a 500.
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The URL has malformed percent-encoding.');
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    // Reauth's own routes are matched here, once: Bolt would compile its path patterns on every request.
    const route = routeOf(path);
    if (route) {
      Object.assign(req, { params: route.params });
      route.handler(req, res);
      return;
    }
    if (req.method !== 'POST' || path !== options.endpoint) return bolt(req, res);
    guard(req, res).catch((error: unknown) => {
      options.logger.error(`Could not check a Slack request: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(503).end();
    });
  };
  return receiver;
}
