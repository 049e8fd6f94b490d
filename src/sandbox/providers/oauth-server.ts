import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ProviderKey } from '../../providers/types.js';
import { escapeHtml, parseBasic, redirect, sendHtml, sendJson } from './http-utils.js';
import type { EmulatedIdentity, EmulatedToken } from './types.js';

/**
 * Bitbucket's and Microsoft Entra ID's OAuth endpoints, on loopback: an authorize page with
 * Approve / Deny, the code exchange (Basic client auth for Bitbucket, client secret + PKCE S256
 * for Entra), and refresh. Issued access tokens become emulated tokens of the provider.
 */

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export type OAuthFlavour = 'bitbucket' | 'entra';

interface PendingCode {
  flavour: OAuthFlavour;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  expiresAt: number;
}

export interface OAuthServerState {
  clients: Partial<Record<OAuthFlavour, OAuthClient>>;
  /** Who approves on the authorize page. */
  identity: Partial<Record<OAuthFlavour, EmulatedIdentity>>;
  /** Azure DevOps organization the issued tokens are valid for (any when absent). */
  organization?: string;
  /** Next token exchange fails with this OAuth error. */
  failNextExchange?: { error: string; description: string };
}

export function createOAuthServer(
  state: OAuthServerState,
  issue: (token: string, entry: EmulatedToken) => void,
  now: () => number,
) {
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Map<string, { flavour: OAuthFlavour; clientId: string }>();
  const providerOf = (flavour: OAuthFlavour): ProviderKey => (flavour === 'bitbucket' ? 'bitbucket' : 'azure_devops');

  function authorizePage(res: ServerResponse, flavour: OAuthFlavour, query: URLSearchParams, mount: string): void {
    const clientId = query.get('client_id') ?? '';
    if (!state.clients[flavour] || state.clients[flavour]?.clientId !== clientId) {
      return sendHtml(res, 400, `<h1>Unknown client</h1><p>client_id ${escapeHtml(clientId)} is not registered.</p>`);
    }
    const hidden = [...query.entries()]
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    const who = state.identity[flavour]?.name ?? 'Emulated User';
    const title = flavour === 'bitbucket' ? 'Bitbucket' : 'Microsoft';
    sendHtml(
      res,
      200,
      `<!DOCTYPE html><html><head><title>${title} — authorize Reauth</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>${title} (emulator)</h1><p><strong>Reauth</strong> wants access to your account as <strong>${escapeHtml(who)}</strong>.</p>
<form method="post" action="${mount}/decision">${hidden}<button name="decision" value="approve" id="approve">Approve</button> <button name="decision" value="deny" id="deny">Deny</button></form></body></html>`,
    );
  }

  function decide(
    res: ServerResponse,
    flavour: OAuthFlavour,
    form: URLSearchParams,
    fallbackRedirect: string | undefined,
  ): void {
    const redirectUri = form.get('redirect_uri') ?? fallbackRedirect;
    if (!redirectUri) return sendHtml(res, 400, '<h1>No redirect_uri</h1>');
    const target = new URL(redirectUri);
    const stateParam = form.get('state');
    if (stateParam !== null) target.searchParams.set('state', stateParam);
    if (form.get('decision') !== 'approve') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied access.');
      return redirect(res, target.toString());
    }
    const code = randomBytes(12).toString('hex');
    codes.set(code, {
      flavour,
      clientId: form.get('client_id') ?? '',
      redirectUri,
      codeChallenge: form.get('code_challenge') ?? undefined,
      expiresAt: now() + 10 * 60_000,
    });
    target.searchParams.set('code', code);
    redirect(res, target.toString());
  }

  function issueTokens(res: ServerResponse, flavour: OAuthFlavour, clientId: string): void {
    const access =
      flavour === 'entra'
        ? `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`
        : randomBytes(24).toString('base64url');
    const refresh = randomBytes(24).toString('base64url');
    const lifetime = flavour === 'bitbucket' ? 7200 : 3599;
    issue(access, {
      provider: providerOf(flavour),
      identity: state.identity[flavour] ?? { id: `${flavour}-user`, name: 'Emulated User', email: 'user@example.com' },
      expiresAt: new Date(now() + lifetime * 1000),
      ...(flavour === 'entra' && state.organization ? { organization: state.organization } : {}),
    });
    refreshTokens.set(refresh, { flavour, clientId });
    sendJson(
      res,
      200,
      flavour === 'bitbucket'
        ? {
            access_token: access,
            refresh_token: refresh,
            expires_in: lifetime,
            token_type: 'bearer',
            scopes: 'account repository pullrequest pipeline',
          }
        : {
            access_token: access,
            refresh_token: refresh,
            expires_in: lifetime,
            token_type: 'Bearer',
            scope: '499b84ac-1321-427f-aa17-267ca6975798/.default',
          },
    );
  }

  function token(
    res: ServerResponse,
    flavour: OAuthFlavour,
    headers: Record<string, string>,
    form: URLSearchParams,
  ): void {
    const client = state.clients[flavour];
    const basic = parseBasic(headers.authorization);
    const clientId = flavour === 'bitbucket' ? basic?.user : form.get('client_id');
    const secret = flavour === 'bitbucket' ? basic?.password : form.get('client_secret');
    if (!client || client.clientId !== clientId || client.clientSecret !== secret) {
      return sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
    }
    if (state.failNextExchange) {
      const failure = state.failNextExchange;
      delete state.failNextExchange;
      return sendJson(res, 400, { error: failure.error, error_description: failure.description });
    }
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const known = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!known || known.flavour !== flavour)
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh_token' });
      refreshTokens.delete(form.get('refresh_token') ?? '');
      return issueTokens(res, flavour, known.clientId);
    }
    if (grant !== 'authorization_code') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code);
    if (!pending || pending.flavour !== flavour || pending.expiresAt < now() || pending.clientId !== clientId) {
      return sendJson(res, 400, {
        error: 'invalid_grant',
        error_description: 'The authorization code is invalid or expired.',
      });
    }
    if (flavour === 'entra') {
      if (form.get('redirect_uri') !== pending.redirectUri)
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri does not match.' });
      const verifier = form.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (!pending.codeChallenge || computed !== pending.codeChallenge) {
        return sendJson(res, 400, {
          error: 'invalid_grant',
          error_description:
            'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.',
        });
      }
    }
    issueTokens(res, flavour, pending.clientId);
  }

  return { authorizePage, decide, token, refreshTokens };
}
