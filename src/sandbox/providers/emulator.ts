import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderKey } from '../../providers/types.js';
import { bearerOf, flatHeaders, readBody, sendJson } from './http-utils.js';
import { createAtlassianServiceAccounts, type AtlassianServiceAccounts } from './atlassian-service-accounts.js';
import { createBitbucketConsumers, type BitbucketConsumers } from './bitbucket-consumers.js';
import { createEntraPrincipals, type EntraPrincipals } from './entra-principals.js';
import { createGitHubApps, type GitHubApps } from './github-apps.js';
import { createOAuthServer, type OAuthServerState } from './oauth-server.js';
import { credentialOf, MOUNTS, PROVIDER_HANDLERS } from './provider-api.js';
import { handleRotation } from './rotation-api.js';
import type { EmulatedToken, RecordedRequest } from './types.js';

/**
 * One loopback server emulating every provider's validation endpoints and the two OAuth
 * authorities. Token behaviour is scriptable; every request is recorded so tests can assert
 * the exact auth header, and counted per token.
 */
export interface ProviderEmulator {
  readonly url: string;
  /** Base URL to put in the catalogue for a provider (Azure DevOps: per organization). */
  baseUrl(provider: ProviderKey, organization?: string): string;
  readonly bitbucketOAuthUrl: string;
  readonly azureAuthority: string;
  readonly oauth: OAuthServerState;
  /** GitHub Apps: their keys, installations and token lifetimes. */
  readonly githubApps: GitHubApps;
  /** Microsoft Entra service principals: their secrets, organizations and token lifetimes. */
  readonly entraPrincipals: EntraPrincipals;
  /** Bitbucket OAuth consumers: their keys, secrets and workspaces. */
  readonly bitbucketConsumers: BitbucketConsumers;
  /** Atlassian service accounts: their OAuth 2.0 credentials and the sites they reach. */
  readonly atlassianServiceAccounts: AtlassianServiceAccounts;
  /** A Jira service account's `auth_url` and `api_url`. */
  readonly atlassianAuthUrl: string;
  readonly atlassianApiUrl: string;
  setToken(token: string, entry: EmulatedToken): void;
  updateToken(token: string, patch: Partial<EmulatedToken>): void;
  token(token: string): EmulatedToken | undefined;
  setProviderDown(provider: ProviderKey, down: boolean): void;
  readonly requests: readonly RecordedRequest[];
  requestsWith(token: string): RecordedRequest[];
  clearRequests(): void;
  /** Resolves once no request is being answered and no connection is open (a killed client's last request included). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const MOUNT_PROVIDER = new Map<string, ProviderKey>(
  (Object.entries(MOUNTS) as [ProviderKey, string][]).filter(([p]) => p !== 'github_actions').map(([p, m]) => [m, p]),
);

export async function startProviderEmulator(
  options: { port?: number; now?: () => number } = {},
): Promise<ProviderEmulator> {
  const now = options.now ?? Date.now;
  const tokens = new Map<string, EmulatedToken>();
  const down = new Set<ProviderKey>();
  const requests: RecordedRequest[] = [];
  const oauthState: OAuthServerState = { clients: {}, identity: {} };
  const oauth = createOAuthServer(oauthState, (token, entry) => tokens.set(token, entry), now);
  const githubApps = createGitHubApps(tokens);
  const entraPrincipals = createEntraPrincipals(tokens, now);
  const bitbucketConsumers = createBitbucketConsumers(tokens, now);
  const atlassian = createAtlassianServiceAccounts(tokens, now);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const headers = flatHeaders(req);
    const body = await readBody(req);
    const segments = url.pathname.split('/');
    const mount = `/${segments[1] ?? ''}`;
    const record = (token: string | undefined) =>
      requests.push({
        at: now(),
        mount,
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
        token,
      });

    // OAuth authorities
    if (url.pathname.startsWith('/bitbucket-oauth/site/oauth2/')) {
      record(undefined);
      const base = '/bitbucket-oauth/site/oauth2/authorize';
      if (url.pathname === base && req.method === 'GET')
        return oauth.authorizePage(res, 'bitbucket', url.searchParams, base);
      if (url.pathname === `${base}/decision` && req.method === 'POST')
        return oauth.decide(res, 'bitbucket', new URLSearchParams(body), undefined);
      if (url.pathname === '/bitbucket-oauth/site/oauth2/access_token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') === 'client_credentials') return bitbucketConsumers.token(res, headers, form);
        return oauth.token(res, 'bitbucket', headers, form);
      }
      return sendJson(res, 404, { error: 'not_found' });
    }
    const entra = /^\/entra\/([^/]+)\/oauth2\/v2\.0\/(authorize|authorize\/decision|token)$/.exec(url.pathname);
    if (entra) {
      record(undefined);
      const base = `/entra/${entra[1]}/oauth2/v2.0/authorize`;
      if (entra[2] === 'authorize' && req.method === 'GET')
        return oauth.authorizePage(res, 'entra', url.searchParams, base);
      if (entra[2] === 'authorize/decision' && req.method === 'POST')
        return oauth.decide(res, 'entra', new URLSearchParams(body), undefined);
      if (entra[2] === 'token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') === 'client_credentials')
          return void entraPrincipals.token(res, decodeURIComponent(entra[1] ?? ''), headers, form);
        return oauth.token(res, 'entra', headers, form);
      }
      return sendJson(res, 404, { error: 'not_found' });
    }

    // Atlassian's token endpoint and API gateway (service accounts).
    if (mount === '/atlassian-auth') {
      record(undefined);
      if (url.pathname === '/atlassian-auth/oauth/token' && req.method === 'POST')
        return atlassian.token(res, headers, body);
      return sendJson(res, 404, { error: 'not_found' });
    }
    if (mount === '/atlassian-api') {
      record(bearerOf(headers.authorization));
      if (down.has('jira')) return sendJson(res, 503, { message: 'Service Unavailable (emulated outage)' });
      if (url.pathname === '/atlassian-api/oauth/token/accessible-resources' && req.method === 'GET')
        return atlassian.accessibleResources(res, headers);
      const gateway = /^\/atlassian-api\/ex\/jira\/([^/]+)(\/.*)$/.exec(url.pathname);
      if (!gateway) return sendJson(res, 404, { message: 'Not Found' });
      const reached = atlassian.gateway(headers, decodeURIComponent(gateway[1] ?? ''));
      if (!reached.ok) return sendJson(res, reached.status, reached.body);
      return PROVIDER_HANDLERS.jira(
        {
          method: req.method ?? 'GET',
          path: gateway[2] ?? '/',
          query: url.searchParams,
          headers,
          body,
          token: bearerOf(headers.authorization),
          basicUser: undefined,
          entry: reached.entry,
          now: now(),
        },
        res,
      );
    }

    const provider = MOUNT_PROVIDER.get(mount);
    if (!provider) {
      record(undefined);
      return sendJson(res, 404, { message: `no emulated provider at ${mount}` });
    }
    const credential = credentialOf(provider, headers);
    record(credential.token);
    const known = credential.token === undefined ? undefined : tokens.get(credential.token);
    // A short-lived token (an installation's, a service principal's) is unknown once it has ended.
    const shortLived = known?.installation !== undefined || known?.minted === true;
    // A service account's token works only through Atlassian's gateway, not at the site (as Atlassian answers it).
    const entry =
      (shortLived && known?.expiresAt && known.expiresAt.getTime() <= now()) || known?.atlassianClient !== undefined
        ? undefined
        : known;
    if (down.has(provider)) return sendJson(res, 503, { message: 'Service Unavailable (emulated outage)' });
    if (entry?.delayMs) await new Promise((resolve) => setTimeout(resolve, entry.delayMs));
    const path = url.pathname.slice(mount.length) || '/';
    if (
      provider === 'github' &&
      githubApps.handle({ method: req.method ?? 'GET', path, query: url.searchParams, headers, now: now() }, res)
    )
      return;
    if (
      handleRotation(
        {
          provider,
          method: req.method ?? 'GET',
          path,
          query: url.searchParams,
          headers,
          body,
          token: credential.token,
          now: now(),
        },
        tokens,
        res,
      )
    )
      return;
    PROVIDER_HANDLERS[provider](
      {
        method: req.method ?? 'GET',
        path: url.pathname.slice(mount.length) || '/',
        query: url.searchParams,
        headers,
        body,
        token: credential.token,
        basicUser: credential.basicUser,
        // A token issued for another provider is unknown here.
        entry:
          entry && (entry.provider === provider || (provider === 'github' && entry.provider === 'github_actions'))
            ? entry
            : undefined,
        now: now(),
      },
      res,
    );
  }

  // Requests being answered and connections open: a killed client's last request is read before its
  // connection closes, so once both are zero nothing of it is left to act on.
  let inFlight = 0;
  let connections = 0;
  const settled: (() => void)[] = [];
  const maybeIdle = () => {
    if (inFlight === 0 && connections === 0) for (const done of settled.splice(0)) done();
  };
  const server = createServer((req, res) => {
    inFlight += 1;
    handle(req, res)
      .catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `emulator error: ${(error as Error).message}` });
      })
      .finally(() => {
        inFlight -= 1;
        maybeIdle();
      });
  });
  server.on('connection', (socket) => {
    connections += 1;
    socket.once('close', () => {
      connections -= 1;
      maybeIdle();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    baseUrl: (provider, organization) =>
      `${url}${MOUNTS[provider]}${provider === 'azure_devops' ? `/${organization ?? 'acme'}` : ''}`,
    bitbucketOAuthUrl: `${url}/bitbucket-oauth`,
    azureAuthority: `${url}/entra`,
    oauth: oauthState,
    githubApps: githubApps.registry,
    entraPrincipals: entraPrincipals.registry,
    bitbucketConsumers: bitbucketConsumers.registry,
    atlassianServiceAccounts: atlassian.registry,
    atlassianAuthUrl: `${url}/atlassian-auth`,
    atlassianApiUrl: `${url}/atlassian-api`,
    setToken: (token, entry) => void tokens.set(token, entry),
    updateToken: (token, patch) => {
      const current = tokens.get(token);
      if (!current) throw new Error('unknown emulated token');
      tokens.set(token, { ...current, ...patch });
    },
    token: (token) => tokens.get(token),
    setProviderDown: (provider, isDown) => void (isDown ? down.add(provider) : down.delete(provider)),
    get requests() {
      return requests;
    },
    requestsWith: (token) => requests.filter((r) => r.token === token),
    clearRequests: () => void requests.splice(0, requests.length),
    idle: () =>
      inFlight === 0 && connections === 0 ? Promise.resolve() : new Promise<void>((resolve) => settled.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
