import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordAudit } from '../db/repositories/audit.js';
import { findActiveIntegration } from '../db/repositories/integrations.js';
import { buildAuthorizeUrl, oauthEndpoints } from '../providers/oauth.js';
import type { ProviderKey } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import { announceReauth } from '../services/announce-reauth.js';
import { completeOAuth } from '../services/complete-oauth.js';
import { startOAuthState } from '../services/oauth-states.js';
import { buildHeaderMessage } from '../slack/blocks/messages.js';
import { tellUser } from '../listeners/reply.js';
import { oauthCookie, OAUTH_COOKIE, readCookie } from './cookies.js';
import { sendPage } from './html-page.js';

export const redirectUriOf = (rt: Runtime): string => `${rt.config.publicUrl}/oauth/callback`;

const START_PROBLEMS = {
  unknown: 'Reauth does not know this sign-in link. Start again with Re-authenticate in Slack.',
  reused: 'This sign-in link was already used. Start again with Re-authenticate in Slack.',
  expired: 'This sign-in link has expired (they last 10 minutes). Start again with Re-authenticate in Slack.',
  already_opened: 'This sign-in link was already opened, in another browser or tab; it works once. Start again with Re-authenticate in Slack.',
} as const;

/**
 * GET /oauth/start?state=…: the link-out button's target. Opens once, binds this browser to the
 * state with a cookie, and redirects to the provider's authorize page.
 */
export function oauthStartRoute(rt: Runtime) {
  return {
    path: '/oauth/start',
    method: ['GET'],
    handler: (req: IncomingMessage, res: ServerResponse) => {
      const state = new URL(req.url ?? '/', 'http://reauth').searchParams.get('state') ?? '';
      const now = rt.clock.now();
      const started = startOAuthState(rt.db, rt.keyring, state, now);
      if (!started.ok) {
        recordAudit(rt.db, { actor: 'browser', action: 'reauth.oauth_start', outcome: started.problem }, now);
        return sendPage(res, 400, { title: 'This sign-in link cannot be used', message: START_PROBLEMS[started.problem], ok: false });
      }
      const integration = findActiveIntegration(rt.db, started.integrationId);
      const endpoints = integration && oauthEndpoints(rt.config, integration.provider as ProviderKey);
      if (!integration || !endpoints) {
        return sendPage(res, 404, { title: 'Sign-in is not available', message: 'The integration no longer exists, or its OAuth client is not configured. Nothing was changed.', ok: false });
      }
      const location = buildAuthorizeUrl(endpoints, { state, redirectUri: redirectUriOf(rt), codeVerifier: started.codeVerifier });
      res.writeHead(302, { Location: location, 'Set-Cookie': oauthCookie(started.stateHash, rt.config.publicUrl, 600), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      res.end();
    },
  };
}

/** GET /oauth/callback: completes the exchange, shows the outcome, and posts it in Slack. */
export function oauthCallbackRoute(rt: Runtime) {
  return {
    path: '/oauth/callback',
    method: ['GET'],
    handler: async (req: IncomingMessage, res: ServerResponse) => {
      const params = new URL(req.url ?? '/', 'http://reauth').searchParams;
      const result = await completeOAuth(rt, {
        state: params.get('state') ?? undefined,
        code: params.get('code') ?? undefined,
        error: params.get('error') ?? undefined,
        errorDescription: params.get('error_description') ?? undefined,
        cookieStateHash: readCookie(req, OAUTH_COOKIE),
        redirectUri: redirectUriOf(rt),
      });
      sendPage(res, result.status, result.page, { 'Set-Cookie': oauthCookie('', rt.config.publicUrl, 0) });
      if (result.success) {
        const { integration, affected, validation, userId } = result.success;
        await announceReauth(rt, rt.alerts, { integration, affected, validation, actor: userId, how: 'oauth' });
        await tellUser(rt, userId, buildHeaderMessage(result.page.title, result.page.message));
      } else if (result.notify) {
        await tellUser(rt, result.notify.userId, buildHeaderMessage(`${result.notify.integration.name}: ${result.page.title}`, result.page.message));
      }
    },
  };
}
