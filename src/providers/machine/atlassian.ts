import { parseJson, reasons, retryAtOf, type ValidationContext } from '../call.js';
import { describeIdentity, formatUtc, type Outcome } from '../outcome.js';
import { validateToken } from '../validate.js';
import { clientCredentialsAnswer } from './client-credentials.js';
import type { MachineSettings } from './settings.js';
import type { ClientCredentials, ClientSecretRoot, Minter, MintResult } from './types.js';

type Atlassian = Extract<MachineSettings, { kind: 'atlassian' }>;

const trimmed = (url: string) => url.replace(/\/+$/, '');

/** Where a credential page for service accounts is: what to do when Atlassian refuses one. */
const SERVICE_ACCOUNTS = 'Atlassian Administration → Directory → Service accounts → the account';

/**
 * An access token for an Atlassian service account's OAuth 2.0 credential by the client-credentials
 * grant (https://support.atlassian.com/user-management/docs/create-oauth-2-0-credential-for-service-accounts):
 * `POST {auth_url}/oauth/token` with a JSON body and **no `scope`** — Atlassian answers any scope with
 * `invalid_scope`, the scopes are fixed when the credential is made (n8n's implementation,
 * https://github.com/n8n-io/n8n/pull/37513). The token lasts 60 minutes; the same request is made again.
 */
export async function mintAtlassianToken(
  ctx: ValidationContext,
  settings: Atlassian,
  secret: ClientCredentials,
): Promise<MintResult> {
  const result = await ctx.http.send({
    provider: ctx.target.provider,
    method: 'POST',
    url: new URL(`${trimmed(settings.authUrl)}/oauth/token`),
    headers: { 'User-Agent': 'reauth-bot', 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: secret.clientId,
      client_secret: secret.clientSecret,
    }),
  });
  return clientCredentialsAnswer(
    ctx,
    result,
    'Atlassian',
    `Check the Client ID; if the credential was deleted or has expired, create a new OAuth 2.0 credential for the service account (${SERVICE_ACCOUNTS} → Credentials) and re-authenticate with it.`,
  );
}

type CloudIdResult = { ok: true; cloudId: string } | { ok: false; outcome: Outcome };

/**
 * A site as compared: its origin case-blind, and its path without a trailing slash —
 * `https://ACME.atlassian.net/` and `https://acme.atlassian.net` are one site.
 */
function siteOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return `${parsed.origin.toLowerCase()}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/**
 * The site's cloud id, from the sites the token reaches (`GET {api_url}/oauth/token/accessible-resources`,
 * Bearer: the entry whose `url` is the integration's). A site the token does not reach is refused by
 * name, with the sites it does reach: the service account has no access to it, or `url` is wrong.
 */
async function findCloudId(ctx: ValidationContext, settings: Atlassian, token: string): Promise<CloudIdResult> {
  const fail = (outcome: Outcome): CloudIdResult => ({ ok: false, outcome });
  const result = await ctx.http.send({
    provider: ctx.target.provider,
    method: 'GET',
    url: new URL(`${trimmed(settings.apiUrl)}/oauth/token/accessible-resources`),
    headers: { 'User-Agent': 'reauth-bot', Accept: 'application/json', Authorization: `Bearer ${token}` },
  });
  if (result.kind === 'network_error')
    return fail({ kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) });
  const { status, headers, body, label } = result.response;
  if (status === 429) {
    const retryAt = retryAtOf(ctx, headers);
    return fail({ kind: 'rate_limited', retryAt, reason: reasons.rateLimited(ctx, retryAt) });
  }
  if (status === 401)
    return fail({
      kind: 'invalid_credentials',
      reason: `Atlassian refused the service account's token when asked which sites it reaches (HTTP 401): re-authenticate with a working OAuth 2.0 credential (${SERVICE_ACCOUNTS} → Credentials).`,
    });
  const sites = parseJson(body);
  if (status !== 200 || !Array.isArray(sites))
    return fail({
      kind: 'provider_error',
      status,
      reason: reasons.providerError(ctx, status, 'no list of accessible resources', label),
    });
  const site = siteOf(ctx.target.url);
  const entries = sites.filter(
    (entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null,
  );
  const match = entries.find((entry) => siteOf(entry.url) === site && typeof entry.id === 'string');
  if (match) return { ok: true, cloudId: String(match.id) };
  const reached = entries.map((entry) => siteOf(entry.url)).filter((url): url is string => url !== undefined);
  return fail({
    kind: 'insufficient_scope',
    missing: ['site'],
    reason: `The service account's token does not reach ${site ?? ctx.target.url}${reached.length ? ` (it reaches ${reached.slice(0, 5).join(', ')})` : ' (it reaches no site)'}: give the service account access to Jira on that site (${SERVICE_ACCOUNTS} → Product access), or correct url in integrations.yml.`,
  });
}

/**
 * What a service account's token is for, proved through Atlassian's API gateway — not the site's own
 * URL, which refuses it (https://support.atlassian.com/atlassian-cloud/kb/401-unauthorized-error-when-service-account-accesses-jira-or-confluence-api):
 * `GET {api_url}/ex/jira/{cloud_id}/rest/api/3/myself`, Bearer. The account is the service account's `accountId`.
 */
async function checkSiteToken(
  ctx: ValidationContext,
  settings: Atlassian,
  token: string,
  cloudId: string,
): Promise<Outcome> {
  const gateway = `${trimmed(settings.apiUrl)}/ex/jira/${encodeURIComponent(cloudId)}`;
  const outcome = await validateToken({ ...ctx, target: { ...ctx.target, url: gateway } }, { token });
  if (outcome.kind === 'invalid_credentials' || outcome.kind === 'insufficient_scope')
    return {
      ...outcome,
      reason: `Atlassian issued a token, but Jira (cloud id ${cloudId}, ${ctx.target.url}) refused it: make sure the service account has access to Jira on the site and its credential has the read:jira-user scope (and what your tools read). Scopes are fixed when a credential is created: a missing one means a new credential (${SERVICE_ACCOUNTS} → Credentials).`,
    };
  return outcome;
}

/**
 * An Atlassian service account (SPEC §12): client credentials as JSON; a token proved on Jira's `myself`
 * through the gateway, at the cloud id integrations.yml gives, the one kept with the credential, or — the
 * first time — the one found among the sites the token reaches (then kept).
 */
export const atlassianMinter: Minter<Atlassian, ClientSecretRoot> = {
  root: 'client_secret',
  mint: (ctx, settings, root) => mintAtlassianToken(ctx, settings, root),
  async check(ctx, settings, held) {
    const known = settings.cloudId ?? held.cloudId;
    if (known) return { outcome: await checkSiteToken(ctx, settings, held.accessToken, known) };
    const site = await findCloudId(ctx, settings, held.accessToken);
    if (!site.ok) return { outcome: site.outcome };
    return { outcome: await checkSiteToken(ctx, settings, held.accessToken, site.cloudId), cloudId: site.cloudId };
  },
  validated: (ctx, settings, identity, { rootExpiresAt, cloudId }) =>
    `Jira on ${ctx.target.url} (cloud id ${cloudId ?? settings.cloudId ?? '?'}) accepted the service account ${describeIdentity(identity)} with a token Atlassian issued${rootExpiresAt ? `; the credential ends ${formatUtc(rootExpiresAt)}` : ''}. Reauth mints a new token before each ends.`,
};
