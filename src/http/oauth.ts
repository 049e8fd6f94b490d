import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildHeaderMessage } from '../slack/blocks/messages.js';
import { escapeMrkdwn } from '../slack/blocks/text.js';
import { tellUser } from '../slack/notify.js';
import { OAUTH_STATE_LIFETIME_MS } from '../domain/lifetimes.js';
import { hashState } from '../services/oauth-states.js';
import { oauthCookie, oauthStateHashes } from './cookies.js';
import { sendPage } from './html-page.js';
import { oauthStopPage, signedInPage } from './oauth-copy.js';
import type { Route, RouteServices } from './services.js';

/**
 * GET /oauth/start?state=…: the link-out button's target. Opens once, binds this browser to the
 * state with a cookie, and redirects to the provider's authorize page.
 */
export function oauthStartRoute(services: Pick<RouteServices, 'oauth' | 'publicUrl'>): Route {
  return {
    path: '/oauth/start',
    method: ['GET'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const state = new URL(req.url ?? '/', 'http://reauth').searchParams.get('state') ?? '';
      const started = await services.oauth.start(state, req.socket.remoteAddress);
      if (!started.ok)
        return sendPage(
          res,
          ...oauthStopPage(started.stop),
          started.retryAfterSeconds ? { 'Retry-After': String(started.retryAfterSeconds) } : {},
        );
      res.writeHead(302, {
        Location: started.location,
        // The browser binding lasts as long as the sign-in link.
        'Set-Cookie': oauthCookie(started.stateHash, services.publicUrl, OAUTH_STATE_LIFETIME_MS / 1000),
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      });
      res.end();
    },
  };
}

/** GET /oauth/callback: completes the exchange, shows the outcome, and posts it in Slack. */
export function oauthCallbackRoute(services: RouteServices): Route {
  return {
    path: '/oauth/callback',
    method: ['GET'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const params = new URL(req.url ?? '/', 'http://reauth').searchParams;
      const result = await services.oauth.complete({
        state: params.get('state') ?? undefined,
        code: params.get('code') ?? undefined,
        error: params.get('error') ?? undefined,
        errorDescription: params.get('error_description') ?? undefined,
        cookieStateHashes: oauthStateHashes(req),
        ...(req.socket.remoteAddress ? { source: req.socket.remoteAddress } : {}),
      });
      const state = params.get('state');
      const [status, page] = 'stop' in result ? oauthStopPage(result.stop) : [200, signedInPage(result.signedIn)];
      sendPage(res, status, page, {
        ...(state ? { 'Set-Cookie': oauthCookie(hashState(state), services.publicUrl, 0) } : {}),
        ...('stop' in result && result.retryAfterSeconds ? { 'Retry-After': String(result.retryAfterSeconds) } : {}),
      });
      if ('success' in result) {
        // The alert, the channel's confirmation and the deliveries follow the commit itself (credential-commit.ts).
        const { userId } = result.success;
        await tellUser(
          services.slack,
          services.logger,
          userId,
          buildHeaderMessage(page.title, escapeMrkdwn(page.message)),
        );
      } else if (result.notify) {
        // The page's words may quote the provider (error_description): plain text, never mrkdwn.
        await tellUser(
          services.slack,
          services.logger,
          result.notify.userId,
          buildHeaderMessage(`${result.notify.integration.name}: ${page.title}`, escapeMrkdwn(page.message)),
        );
      }
    },
  };
}
