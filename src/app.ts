import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute } from '@slack/bolt';
import type { ExtendedErrorHandlerArgs } from '@slack/bolt/dist/App.js';
import type { Config } from './config.js';
import { credentialsRoute } from './http/credentials.js';
import { healthWebhookRoute } from './http/health-webhook.js';
import { healthzRoute, livezRoute } from './http/healthz.js';
import { metricsRoute } from './http/metrics.js';
import { oauthCallbackRoute, oauthStartRoute } from './http/oauth.js';
import { webFormRoute } from './http/web-form.js';
import type { Route, RouteServices } from './http/services.js';
import { createSlackReceiver } from './http/slack-receiver.js';
import { registerListeners, type ListenerOptions, type ListenerServices } from './listeners/index.js';
import { toBoltLogger, type Logger } from './logger.js';
import { buildHeaderMessage } from './slack/blocks/messages.js';
import { slackClientOptions } from './slack/client.js';
import type { SlackTransport } from './slack/fetch.js';
import { slackErrorCode } from './slack/errors.js';
import { tellUser } from './slack/notify.js';

export type { Route } from './http/services.js';

export interface ReauthApp {
  app: App;
  /** Starts listening; resolves with the port once requests are accepted. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

export interface AppParts {
  config: Config;
  logger: Logger;
  /** Bolt's Web API client shares Reauth's keep-alive transport to Slack. */
  slackTransport?: SlackTransport;
  listeners: ListenerServices;
  routes: RouteServices;
}

export interface AppOptions extends ListenerOptions {
  /** Routes beside /slack/events, /healthz and /oauth/* (the sandbox page). */
  extraRoutes?: Route[];
  /** Interface to listen on (all by default; the sandbox listens on loopback only). */
  host?: string;
}

/** Every method is routed, so one a route does not serve gets a 405 here instead of Bolt's logged 404. */
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** Route handlers may be async; a failure answers with a reference instead of hanging; a shutdown waits for them. */
function guarded(route: Route, logger: Logger, inflight: RouteServices['inflight']): CustomRoute {
  return {
    path: route.path,
    method: ALL_METHODS,
    handler: (req, res) => {
      if (!route.method.includes(req.method ?? '')) {
        res.writeHead(405, {
          Allow: route.method.join(', '),
          'Content-Type': 'text/plain; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        res.end(`${req.method ?? 'This method'} is not served here; use ${route.method.join(' or ')}.`);
        return;
      }
      inflight.track(Promise.resolve(route.handler(req, res))).catch((error: unknown) => {
        const reference = randomBytes(4).toString('hex');
        logger.error({ err: error, reference, path: route.path }, 'route failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(
            `Reauth hit an unexpected problem (reference ${reference}). Nothing was changed; try again, and give the reference to your admin if it keeps happening.`,
          );
        }
      });
    },
  };
}

/** Builds the Bolt app: HTTP mode on PORT (Socket Mode when SLACK_APP_TOKEN is set), one logger, listeners, routes. */
export function createApp(parts: AppParts, options: AppOptions = {}): ReauthApp {
  const { config, logger } = parts;
  const socketMode = Boolean(config.slack.appToken);
  const routes = [
    healthzRoute(parts.routes),
    livezRoute(),
    metricsRoute(parts.routes),
    oauthStartRoute(parts.routes),
    oauthCallbackRoute(parts.routes),
    webFormRoute(parts.routes),
    healthWebhookRoute(parts.routes),
    credentialsRoute(parts.routes),
    ...(options.extraRoutes ?? []),
  ].map((r) => guarded(r, logger, parts.routes.inflight));

  const boltLogger = toBoltLogger(logger);
  const app = new App({
    token: config.slack.botToken ?? '',
    ...(socketMode
      ? {
          socketMode: true,
          appToken: config.slack.appToken ?? '',
          installerOptions: { port: config.port },
          customRoutes: routes,
        }
      : {
          receiver: createSlackReceiver({
            signingSecret: config.slack.signingSecret ?? '',
            endpoint: '/slack/events',
            customRoutes: routes,
            logger: boltLogger,
            rememberSignature: parts.routes.rememberSignature,
            isStopping: parts.routes.isStopping,
          }),
        }),
    logger: boltLogger,
    processBeforeResponse: false,
    // Reauth keeps no conversation state in Bolt; its store would cost every request a lookup.
    convoStore: false,
    deferInitialization: true,
    extendedErrorHandler: true,
    clientOptions: slackClientOptions(config, logger, parts.slackTransport),
  });
  registerListeners(app, parts.listeners, options);

  app.error((async ({ error, body }: ExtendedErrorHandlerArgs) => {
    const reference = randomBytes(4).toString('hex');
    logger.error({ err: error, reference }, 'a Slack request failed');
    const payload = body as { user?: { id?: string }; user_id?: string } | undefined;
    const userId = payload?.user?.id ?? payload?.user_id;
    if (userId) {
      await tellUser(
        parts.listeners.slack,
        logger,
        userId,
        buildHeaderMessage(
          'Something went wrong',
          `Reauth hit an unexpected problem (reference \`${reference}\`). Nothing was changed unless Reauth told you so. Try again; if it keeps happening, give the reference to your Reauth admin.`,
        ),
      );
    }
  }) as unknown as Parameters<App['error']>[0]);

  return {
    app,
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
      const started = (await app.start(
        options.host ? { port: config.port, host: options.host } : config.port,
      )) as unknown;
      const server = socketMode ? undefined : (started as Server);
      return { port: server ? (server.address() as AddressInfo).port : config.port };
    },
    async stop() {
      await app.stop();
    },
  };
}
