import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  ReceiverMultipleAckError,
  type App,
  type CustomRoute,
  type Logger as BoltLogger,
  type Receiver,
  type ReceiverEvent,
} from '@slack/bolt';
import { readBodyLimited } from './read-body.js';
import { parseSlackBody, restartingAnswer, type SlackBody } from './slack-routing.js';

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

/**
 * Exact paths ("/healthz") and one trailing parameter ("/v1/credentials/:id"), as Reauth's routes
 * use them; anything else is left to Bolt.
 */
function createRouteTable(
  routes: readonly CustomRoute[],
): (path: string) => { handler: CustomRoute['handler']; params: Record<string, string> } | undefined {
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
 * Reauth's receiver for HTTP mode, built on Bolt's documented `Receiver` interface (init, start, stop;
 * https://docs.slack.dev/tools/bolt-js/concepts/receiver) rather than on HTTPReceiver's private fields,
 * so a Bolt minor release cannot change it underneath. Before a request reaches the app it is checked
 * as Slack documents (https://docs.slack.dev/authentication/verifying-requests-from-slack): the
 * signature, a timestamp within 5 minutes either way (Bolt checks only the past), a signature used once
 * (a replay is refused), and a body of a shape Slack sends. Then `app.processEvent` runs the listeners
 * registered the documented way — they are the only list of what Reauth handles: a request none of them
 * acknowledged is acknowledged as soon as the app is done with it, instead of after Bolt's 3-second timeout.
 */
export function createSlackReceiver(options: SlackReceiverOptions): Receiver {
  const now = options.now ?? Date.now;
  const routeOf = createRouteTable(options.customRoutes);
  let app: App | undefined;
  let server: Server | undefined;
  const refuse = (res: ServerResponse, status: number, why: string) => {
    options.logger.warn(`Refused a request to ${options.endpoint}: ${why}.`);
    res.writeHead(status).end();
  };

  async function guard(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBodyLimited(req, MAX_BODY_BYTES);
    if (body === undefined) return refuse(res, 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    const contentType = header(req, 'content-type') ?? '';
    // Slack's unsigned SSL check of a slash command URL: a 200 is all it wants
    // (https://docs.slack.dev/interactivity/implementing-slash-commands#ssl). Nothing else unsigned goes on.
    if (
      contentType.startsWith('application/x-www-form-urlencoded') &&
      new URLSearchParams(body).get('ssl_check') === '1'
    )
      return void res.writeHead(200).end();

    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const signature = header(req, 'x-slack-signature') ?? '';
    if (!Number.isInteger(timestamp) || Math.abs(now() / 1000 - timestamp) > SLACK_REQUEST_WINDOW_SECONDS)
      return refuse(
        res,
        401,
        'its timestamp is missing or more than 5 minutes from now (a replay, or a clock out of sync)',
      );
    const expected = Buffer.from(
      `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    );
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return refuse(res, 401, 'its signature does not match SLACK_SIGNING_SECRET');
    // Slack signs every delivery anew: the same signature twice is one request captured and sent again.
    if (!(await options.rememberSignature(`slack:${signature}`)))
      return refuse(res, 401, 'its signature was already used (a replay)');
    const parsed = parseSlackBody(contentType, body);
    if (!parsed) return refuse(res, 400, 'its body is not a shape Slack sends');
    if (options.isStopping?.()) {
      const answer = restartingAnswer(parsed);
      res.writeHead(200, answer ? { 'Content-Type': 'application/json' } : {}).end(answer);
      return;
    }
    // The Events API's URL check answers its challenge (https://docs.slack.dev/reference/events/url_verification).
    if (parsed.kind === 'event' && parsed.event.type === 'url_verification') {
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ challenge: (parsed.event as { challenge?: unknown }).challenge }));
      return;
    }
    await dispatch(req, res, parsed);
  }

  /** Runs the app's listeners on a verified, parsed request; whatever they acknowledge is the answer. */
  async function dispatch(req: IncomingMessage, res: ServerResponse, parsed: SlackBody): Promise<void> {
    let acked = false;
    // Slack's answer to an interaction or command: empty, text, or JSON (a modal's response_action).
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) throw new ReceiverMultipleAckError();
      acked = true;
      if (res.headersSent) return;
      if (response === undefined || response === '') res.writeHead(200).end();
      else if (typeof response === 'string') res.writeHead(200).end(response);
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(response));
    };
    const body = (
      parsed.kind === 'event' ? parsed.event : (parsed.payload ?? Object.fromEntries(parsed.form))
    ) as ReceiverEvent['body'];
    const retryNum = Number(header(req, 'x-slack-retry-num'));
    const retryReason = header(req, 'x-slack-retry-reason');
    const event: ReceiverEvent = {
      body,
      ack,
      ...(Number.isInteger(retryNum) ? { retryNum } : {}),
      ...(retryReason ? { retryReason } : {}),
      customProperties: {},
    };
    try {
      if (!app) throw new Error('the receiver was not given to an app');
      await app.processEvent(event);
    } catch (error) {
      options.logger.error(`A Slack request failed: ${(error as Error).message}`);
      if (!acked && !res.headersSent) {
        acked = true;
        res.writeHead(500).end();
      }
      return;
    }
    if (!acked) {
      // No listener acknowledged it (Slack sends only what the manifest subscribes to, so this is rare).
      options.logger.debug('Acknowledged a Slack request no listener handled.');
      await ack();
    }
  }

  function listener(req: IncomingMessage, res: ServerResponse): void {
    if (!hasValidPercentEncoding(req.url ?? '/')) {
      res
        .writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('The URL has malformed percent-encoding.');
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const route = routeOf(path);
    if (route) {
      Object.assign(req, { params: route.params });
      route.handler(req, res);
      return;
    }
    if (path !== options.endpoint) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found.');
      return;
    }
    if (req.method !== 'POST') {
      res
        .writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' })
        .end(`${options.endpoint} takes Slack's POST requests only.`);
      return;
    }
    guard(req, res).catch((error: unknown) => {
      options.logger.error(`Could not check a Slack request: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(503).end();
    });
  }

  return {
    init(given: App) {
      app = given;
    },
    /** `App.start(port)` or `App.start({ port, host })`: resolves with the listening server. */
    async start(target: number | { port: number; host?: string }) {
      const { port, host } = typeof target === 'number' ? { port: target, host: undefined } : target;
      const created = createServer(listener);
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      server = created;
      return created;
    },
    /** Stops accepting connections; requests in flight finish first (their work is tracked by the app). */
    async stop() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve, reject) => closing.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
