import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { bearerOf, sendJson } from './http-utils.js';
import type { EmulatedToken } from './types.js';

/**
 * Atlassian service accounts on loopback, as Atlassian documents them
 * (https://support.atlassian.com/user-management/docs/create-oauth-2-0-credential-for-service-accounts):
 * `POST {auth_url}/oauth/token` takes a JSON client-credentials body — and answers any `scope` with
 * `invalid_scope`, the scopes being fixed when the credential was made — giving a 60-minute token;
 * `GET {api_url}/oauth/token/accessible-resources` lists the sites the token reaches with their cloud ids;
 * the token works only through the gateway, `{api_url}/ex/jira/{cloud_id}/…`, never at the site's own URL.
 */

export interface EmulatedServiceAccount {
  accountId: string;
  name: string;
  email: string;
  /** The sites (their URLs) the account has Jira access on. */
  sites: string[];
  tokenLifetimeSeconds: number;
}

export interface AtlassianCredential {
  clientId: string;
  clientSecret: string;
}

export interface AtlassianServiceAccounts {
  /** Creates a service account with Jira access on `sites` (their URLs) and one OAuth 2.0 credential, returned. */
  add(
    account: Partial<EmulatedServiceAccount> & Pick<EmulatedServiceAccount, 'sites'>,
  ): AtlassianCredential & { accountId: string };
  /** Creates another OAuth 2.0 credential of the account (what a re-authentication enters). */
  newCredential(accountId: string): AtlassianCredential;
  /** Deletes a credential: its secret mints nothing from now on, and the tokens it minted are refused. */
  deleteCredential(clientId: string): void;
  /** Deletes every credential of the account. */
  deleteCredentials(accountId: string): void;
  /** The cloud id of a site, by its URL (made up the first time it is asked). */
  cloudIdOf(siteUrl: string): string;
  account(accountId: string): EmulatedServiceAccount | undefined;
}

const siteKey = (url: string) => new URL(url).origin.toLowerCase() + new URL(url).pathname.replace(/\/+$/, '');

export function createAtlassianServiceAccounts(tokens: Map<string, EmulatedToken>, now: () => number) {
  const accounts = new Map<string, EmulatedServiceAccount>();
  const credentials = new Map<string, AtlassianCredential & { accountId: string }>();
  const cloudIds = new Map<string, string>();
  const siteByCloudId = new Map<string, string>();

  const cloudIdOf = (siteUrl: string): string => {
    const key = siteKey(siteUrl);
    let id = cloudIds.get(key);
    if (!id) {
      id = randomUUID();
      cloudIds.set(key, id);
      siteByCloudId.set(id, siteUrl.replace(/\/+$/, ''));
    }
    return id;
  };
  const credentialOf = (accountId: string): AtlassianCredential => {
    const made = { clientId: randomBytes(16).toString('hex'), clientSecret: `ATOA${randomBytes(40).toString('hex')}` };
    credentials.set(made.clientId, { ...made, accountId });
    return made;
  };

  const registry: AtlassianServiceAccounts = {
    add(account) {
      const accountId = account.accountId ?? `712020:${randomUUID()}`;
      const name = account.name ?? 'reauth-automation';
      accounts.set(accountId, {
        email: `${name}-${accountId.slice(-6)}@serviceaccount.atlassian.com`,
        tokenLifetimeSeconds: 3600,
        ...account,
        accountId,
        name,
      });
      for (const site of account.sites) cloudIdOf(site);
      return { ...credentialOf(accountId), accountId };
    },
    newCredential(accountId) {
      if (!accounts.has(accountId)) throw new Error(`no emulated service account ${accountId}`);
      return credentialOf(accountId);
    },
    deleteCredential(clientId) {
      credentials.delete(clientId);
      for (const [token, entry] of tokens) if (entry.atlassianClient === clientId) tokens.delete(token);
    },
    deleteCredentials(accountId) {
      for (const credential of [...credentials.values()])
        if (credential.accountId === accountId) registry.deleteCredential(credential.clientId);
    },
    cloudIdOf,
    account: (accountId) => accounts.get(accountId),
  };

  /** `POST {auth_url}/oauth/token`: a JSON client-credentials grant, or Atlassian's refusals. */
  function token(res: ServerResponse, headers: Record<string, string>, body: string): void {
    if (!(headers['content-type'] ?? '').startsWith('application/json'))
      return sendJson(res, 415, { error: 'invalid_request', error_description: 'Unsupported content type' });
    let grant: Record<string, unknown>;
    try {
      grant = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'Malformed JSON' });
    }
    if (grant.grant_type !== 'client_credentials')
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
    if (grant.scope !== undefined)
      return sendJson(res, 400, { error: 'invalid_scope', error_description: 'Scope is not allowed for this client' });
    const credential = credentials.get(String(grant.client_id ?? ''));
    const account = credential ? accounts.get(credential.accountId) : undefined;
    if (!credential || !account || credential.clientSecret !== grant.client_secret)
      return sendJson(res, 401, { error: 'access_denied', error_description: 'Unauthorized' });
    const access = `eyJraWQiOiJhdGxhc3NpYW4iLCJhbGciOiJSUzI1NiJ9.${randomBytes(400).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
    tokens.set(access, {
      provider: 'jira',
      identity: { id: account.accountId, name: account.name, email: account.email },
      expiresAt: new Date(now() + account.tokenLifetimeSeconds * 1000),
      minted: true,
      atlassianClient: credential.clientId,
    });
    sendJson(res, 200, {
      access_token: access,
      expires_in: account.tokenLifetimeSeconds,
      token_type: 'Bearer',
      scope: 'read:jira-user read:jira-work',
    });
  }

  /** The live entry of a gateway call's Bearer token, and its account (undefined when it is unknown or ended). */
  function caller(headers: Record<string, string>) {
    const bearer = bearerOf(headers.authorization);
    const entry = bearer ? tokens.get(bearer) : undefined;
    if (!entry?.atlassianClient || (entry.expiresAt && entry.expiresAt.getTime() <= now())) return undefined;
    const credential = credentials.get(entry.atlassianClient);
    const account = credential ? accounts.get(credential.accountId) : undefined;
    return account ? { entry, account } : undefined;
  }

  /** `GET {api_url}/oauth/token/accessible-resources`: the sites the token's account reaches. */
  function accessibleResources(res: ServerResponse, headers: Record<string, string>): void {
    const found = caller(headers);
    if (!found) return sendJson(res, 401, { code: 401, message: 'Unauthorized' });
    sendJson(
      res,
      200,
      found.account.sites.map((site) => ({
        id: cloudIdOf(site),
        url: site.replace(/\/+$/, ''),
        name: new URL(site).hostname.split('.')[0],
        scopes: ['read:jira-user', 'read:jira-work'],
        avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/site.png',
      })),
    );
  }

  /**
   * A gateway call `{api_url}/ex/jira/{cloud_id}/…`: the entry to answer it with at the site's Jira, or
   * why not (the token is unknown, or its account has no access to that site).
   */
  function gateway(
    headers: Record<string, string>,
    cloudId: string,
  ): { ok: true; entry: EmulatedToken } | { ok: false; status: number; body: unknown } {
    const site = siteByCloudId.get(cloudId.toLowerCase());
    if (!site) return { ok: false, status: 404, body: { errorMessage: 'Site temporarily unavailable' } };
    const found = caller(headers);
    if (!found) return { ok: false, status: 401, body: { code: 401, message: 'Unauthorized' } };
    if (!found.account.sites.some((reached) => siteKey(reached) === siteKey(site)))
      return { ok: false, status: 401, body: { code: 401, message: 'Unauthorized; scope does not match' } };
    return { ok: true, entry: found.entry };
  }

  return { registry, token, accessibleResources, gateway };
}
