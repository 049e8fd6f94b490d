import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute } from '@slack/bolt';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App.js';
import { WebClient } from '@slack/web-api';
import { healthWebhookRoute } from './http/health-webhook.js';
import { healthzRoute } from './http/healthz.js';
import { oauthCallbackRoute, oauthStartRoute } from './http/oauth.js';
import { registerListeners, type ListenerOptions } from './listeners/index.js';
import { tellUser } from './listeners/reply.js';
import { toBoltLogger } from './logger.js';
import { createRuntime, type Runtime } from './runtime.js';
import type { ServiceDeps } from './services/deps.js';
import type { MonitorOptions } from './services/health-monitor.js';
import { slackErrorCode } from './services/slack-errors.js';
import { buildHeaderMessage } from './slack/blocks/messages.js';

export interface ReauthApp {
  app: App;
  runtime: Runtime;
  /** Starts listening; resolves with the port once requests are accepted. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

export type Route = { path: string; method: string[]; handler: (req: IncomingMessage, res: ServerResponse) => unknown };

export interface AppOptions extends ListenerOptions {
  /** Routes beside /slack/events, /healthz and /oauth/* (the health webhook, the sandbox page). */
  extraRoutes?: (runtime: Runtime) => Route[];
  /** Overrides for the health monitor (tests pass a fixed random source). */
  monitor?: Partial<MonitorOptions>;
  /** Interface to listen on (all by default; the sandbox listens on loopback only). */
  host?: string;
}

/** Route handlers may be async; a failure answers with a reference instead of hanging. */
function guarded(route: Route, deps: ServiceDeps): CustomRoute {
  return {
    path: route.path,
    method: route.method,
    handler: (req, res) => {
      Promise.resolve(route.handler(req, res)).catch((error: unknown) => {
        const reference = randomBytes(4).toString('hex');
        deps.logger.error({ err: error, reference, path: route.path }, 'route failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`Reauth hit an unexpected problem (reference ${reference}). Nothing was changed; try again, and give the reference to your admin if it keeps happening.`);
        }
      });
    },
  };
}

/** Builds the Bolt app: HTTP mode on PORT (Socket Mode when SLACK_APP_TOKEN is set), one logger, listeners, routes. */
export function createApp(deps: ServiceDeps, options: AppOptions = {}): ReauthApp {
  const { config } = deps;
  const socketMode = Boolean(config.slack.appToken);
  const logger = toBoltLogger(deps.logger);
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger,
    // A hung or rate-limited call must not block the 3-second paths for minutes (https://docs.slack.dev/tools/node-slack-sdk/web-api#automatic-retries).
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
  };
  const runtime = createRuntime(deps, new WebClient(config.slack.botToken, clientOptions), options.monitor);
  const routes = [healthzRoute(runtime), oauthStartRoute(runtime), oauthCallbackRoute(runtime), healthWebhookRoute(runtime), ...(options.extraRoutes?.(runtime) ?? [])].map((r) => guarded(r, deps));

  const app = new App({
    token: config.slack.botToken ?? '',
    ...(socketMode
      ? { socketMode: true, appToken: config.slack.appToken ?? '', installerOptions: { port: config.port } }
      : { signingSecret: config.slack.signingSecret ?? '' }),
    logger,
    processBeforeResponse: false,
    // Reauth keeps no conversation state in Bolt; its store would cost every request a lookup.
    convoStore: false,
    deferInitialization: true,
    extendedErrorHandler: true,
    customRoutes: routes,
    clientOptions,
  });
  registerListeners(app, runtime, options);

  app.error((async ({ error, body }: ExtendedErrorHandlerArgs) => {
    const reference = randomBytes(4).toString('hex');
    deps.logger.error({ err: error, reference }, 'a Slack request failed');
    const payload = body as { user?: { id?: string }; user_id?: string } | undefined;
    const userId = payload?.user?.id ?? payload?.user_id;
    if (userId) {
      await tellUser(runtime, userId, buildHeaderMessage('Something went wrong', `Reauth hit an unexpected problem (reference \`${reference}\`). Nothing was changed unless Reauth told you so. Try again; if it keeps happening, give the reference to your Reauth admin.`));
    }
  }) as unknown as Parameters<App['error']>[0]);

  return {
    app,
    runtime,
    async start() {
      try {
        await app.init();
      } catch (error) {
        const code = slackErrorCode(error);
        throw new Error(
          code === 'invalid_auth' || code === 'account_inactive' || code === 'token_revoked'
            ? `Slack refused SLACK_BOT_TOKEN (${code}): copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page.`
            : `Could not verify SLACK_BOT_TOKEN with Slack (auth.test at ${config.slack.apiUrl ?? 'https://slack.com/api/'}): ${code}. Check the network and SLACK_API_URL.`,
        );
      }
      const started = (await app.start(options.host ? { port: config.port, host: options.host } : config.port)) as unknown;
      const server = socketMode ? undefined : (started as Server);
      return { port: server ? (server.address() as AddressInfo).port : config.port };
    },
    async stop() {
      await runtime.monitor.stop();
      await app.stop();
    },
  };
}
