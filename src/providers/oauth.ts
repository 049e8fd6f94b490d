import { createHash, randomBytes } from 'node:crypto';
import type { HttpClient } from './http.js';
import type { Outcome } from './outcome.js';
import { authSpec } from './registry.js';
import type { OAuthFlowSpec, ProviderKey } from './types.js';

/**
 * The OAuth code flows Reauth drives. What differs between providers is data on the auth type
 * (`flow` in registry.ts); the client's id, secret and base URL come from the configuration.
 */

export interface OAuthEndpoints {
  provider: ProviderKey;
  label: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clientAuth: OAuthFlowSpec['clientAuth'];
  scope: string | undefined;
  pkce: boolean;
  authorizeParams: Readonly<Record<string, string>>;
  refreshLifetimeMs: number | null;
}

/** The OAuth clients an admin set up (from the environment): what the provider table's flows sign in with. */
export interface OAuthClientSettings {
  bitbucketOAuth?: { url: string; clientId: string; clientSecret: string } | undefined;
  azureOAuth?: { authority: string; tenant: string; clientId: string; clientSecret: string } | undefined;
}

interface ConfiguredClient {
  base: string;
  clientId: string;
  clientSecret: string;
}

/** Each OAuth client's configuration: its base URL and credentials, or undefined when not set. */
const CLIENTS: Record<
  OAuthFlowSpec['client'],
  { configured(config: OAuthClientSettings): ConfiguredClient | undefined; setupHint: string }
> = {
  bitbucket: {
    configured: (config) =>
      config.bitbucketOAuth && {
        base: config.bitbucketOAuth.url,
        clientId: config.bitbucketOAuth.clientId,
        clientSecret: config.bitbucketOAuth.clientSecret,
      },
    setupHint: 'BITBUCKET_OAUTH_CLIENT_ID and BITBUCKET_OAUTH_CLIENT_SECRET',
  },
  entra: {
    configured: (config) =>
      config.azureOAuth && {
        base: `${config.azureOAuth.authority}/${config.azureOAuth.tenant}/oauth2/v2.0`,
        clientId: config.azureOAuth.clientId,
        clientSecret: config.azureOAuth.clientSecret,
      },
    setupHint: 'AZURE_OAUTH_CLIENT_ID and AZURE_OAUTH_CLIENT_SECRET',
  },
};

const flowOf = (provider: ProviderKey): OAuthFlowSpec | undefined => authSpec(provider, 'oauth')?.flow;

/** The OAuth endpoints for a provider, or undefined when it has no flow or its client is not configured. */
export function oauthEndpoints(config: OAuthClientSettings, provider: ProviderKey): OAuthEndpoints | undefined {
  const flow = flowOf(provider);
  const client = flow && CLIENTS[flow.client].configured(config);
  if (!flow || !client) return undefined;
  return {
    provider,
    label: flow.label,
    authorizeUrl: `${client.base}${flow.authorizePath}`,
    tokenUrl: `${client.base}${flow.tokenPath}`,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    clientAuth: flow.clientAuth,
    scope: flow.scope,
    pkce: flow.pkce,
    authorizeParams: flow.authorizeParams ?? {},
    refreshLifetimeMs: flow.refreshLifetimeMs,
  };
}

/** The environment variables an admin must set to enable a provider's OAuth. */
export function oauthSetupHint(provider: ProviderKey): string {
  const flow = flowOf(provider);
  return flow ? CLIENTS[flow.client].setupHint : 'an OAuth client';
}

export function newPkceVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function buildAuthorizeUrl(
  endpoints: OAuthEndpoints,
  params: { state: string; redirectUri: string; codeVerifier?: string | undefined },
): string {
  const url = new URL(endpoints.authorizeUrl);
  url.searchParams.set('client_id', endpoints.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  if (endpoints.scope) url.searchParams.set('scope', endpoints.scope);
  for (const [name, value] of Object.entries(endpoints.authorizeParams)) url.searchParams.set(name, value);
  if (endpoints.pkce && params.codeVerifier) {
    url.searchParams.set('code_challenge', pkceChallenge(params.codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: Date;
  refreshExpiresAt: Date | null;
  scopes: string[] | null;
}

export type TokenExchange = { ok: true; tokens: OAuthTokens } | { ok: false; outcome: Outcome };

async function tokenRequest(
  http: HttpClient,
  endpoints: OAuthEndpoints,
  form: Record<string, string>,
  now: Date,
): Promise<TokenExchange> {
  const body = new URLSearchParams(form);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (endpoints.clientAuth === 'basic') {
    headers.Authorization = `Basic ${Buffer.from(`${endpoints.clientId}:${endpoints.clientSecret}`).toString('base64')}`;
  } else {
    body.set('client_id', endpoints.clientId);
    body.set('client_secret', endpoints.clientSecret);
  }
  const result = await http.send({
    provider: endpoints.provider,
    method: 'POST',
    url: new URL(endpoints.tokenUrl),
    headers,
    body: body.toString(),
  });
  if (result.kind === 'network_error') {
    return {
      ok: false,
      outcome: {
        kind: 'unreachable',
        reason: `Could not reach ${endpoints.label}: ${result.reason}. Try again in a few minutes.`,
      },
    };
  }
  const { status, body: text } = result.response;
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {
      ok: false,
      outcome: {
        kind: 'provider_error',
        status,
        reason: `${endpoints.label}'s token endpoint gave an answer that is not JSON (HTTP ${status}); try again later.`,
      },
    };
  }
  const error = typeof json.error === 'string' ? json.error : undefined;
  const description =
    typeof json.error_description === 'string' ? json.error_description.split('\n')[0]?.slice(0, 200) : undefined;
  if (status === 401 || error === 'invalid_client' || error === 'unauthorized_client') {
    return {
      ok: false,
      outcome: {
        kind: 'provider_error',
        status,
        reason: `${endpoints.label} refused Reauth's own OAuth client (${error ?? `HTTP ${status}`}). An admin must check ${oauthSetupHint(endpoints.provider)}.`,
      },
    };
  }
  if (error) {
    return {
      ok: false,
      outcome: {
        kind: 'invalid_credentials',
        reason: `${endpoints.label} refused the authorization (${error}${description ? `: ${description}` : ''}). Start again with Re-authenticate in Slack.`,
      },
    };
  }
  if (status !== 200 || typeof json.access_token !== 'string') {
    return {
      ok: false,
      outcome: {
        kind: 'provider_error',
        status,
        reason: `${endpoints.label}'s token endpoint answered HTTP ${status} without a token; try again later.`,
      },
    };
  }
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 3600);
  const scopeText =
    typeof json.scopes === 'string' ? json.scopes : typeof json.scope === 'string' ? json.scope : undefined;
  return {
    ok: true,
    tokens: {
      accessToken: json.access_token,
      refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : null,
      accessExpiresAt: new Date(now.getTime() + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000),
      refreshExpiresAt: endpoints.refreshLifetimeMs ? new Date(now.getTime() + endpoints.refreshLifetimeMs) : null,
      scopes: scopeText ? scopeText.split(/[\s,]+/).filter(Boolean) : null,
    },
  };
}

export function exchangeCode(
  http: HttpClient,
  endpoints: OAuthEndpoints,
  params: { code: string; redirectUri: string; codeVerifier?: string | undefined },
  now: Date,
): Promise<TokenExchange> {
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: params.redirectUri,
  };
  if (endpoints.pkce && params.codeVerifier) form.code_verifier = params.codeVerifier;
  if (endpoints.scope) form.scope = endpoints.scope;
  return tokenRequest(http, endpoints, form, now);
}

export function refreshAccessToken(
  http: HttpClient,
  endpoints: OAuthEndpoints,
  refreshToken: string,
  now: Date,
): Promise<TokenExchange> {
  const form: Record<string, string> = { grant_type: 'refresh_token', refresh_token: refreshToken };
  if (endpoints.scope) form.scope = endpoints.scope;
  return tokenRequest(http, endpoints, form, now);
}
