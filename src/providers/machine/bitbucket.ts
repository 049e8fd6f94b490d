import { callProvider, parseJson, reasons, retryAtOf, type ValidationContext } from '../call.js';
import type { Outcome } from '../outcome.js';
import { clientCredentialsAnswer } from './client-credentials.js';
import type { MachineEndpoints, MachineSettings } from './settings.js';
import type { ClientCredentials, ClientSecretRoot, Minter, MintResult } from './types.js';

type Bitbucket = Extract<MachineSettings, { kind: 'bitbucket' }>;

/**
 * An access token for a Bitbucket OAuth consumer by the client-credentials grant: the key and secret as
 * HTTP Basic, `grant_type=client_credentials` in the form
 * (https://developer.atlassian.com/cloud/bitbucket/oauth-2/#client-credentials-grant--4-4-). The token
 * lasts two hours; no refresh token is needed, the same request is made again.
 */
export async function mintBitbucketToken(
  ctx: ValidationContext,
  endpoints: MachineEndpoints,
  secret: ClientCredentials,
): Promise<MintResult> {
  const result = await ctx.http.send({
    provider: ctx.target.provider,
    method: 'POST',
    url: new URL(`${endpoints.bitbucketOAuthUrl.replace(/\/+$/, '')}/site/oauth2/access_token`),
    headers: {
      'User-Agent': 'reauth-bot',
      Authorization: `Basic ${Buffer.from(`${secret.clientId}:${secret.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  return clientCredentialsAnswer(
    ctx,
    result,
    'Bitbucket',
    'Check the consumer key; if the consumer was deleted or its secret regenerated, paste its current Key and Secret (Workspace settings → OAuth consumers).',
  );
}

/**
 * What a consumer's token is for, proved: it lists the workspace's repositories
 * (`GET {url}/2.0/repositories/{workspace}?pagelen=1`, Bearer). The account is the consumer key.
 */
export async function checkWorkspaceToken(
  ctx: ValidationContext,
  settings: Bitbucket,
  token: string,
  consumerKey: string,
): Promise<Outcome> {
  const result = await callProvider(ctx, { token }, `/2.0/repositories/${encodeURIComponent(settings.workspace)}`, {
    query: { pagelen: '1' },
  });
  if (result.kind === 'network_error') return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
  const { status, headers, body, label } = result.response;
  if (status === 200)
    return {
      kind: 'valid',
      identity: { id: consumerKey, name: `OAuth consumer ${consumerKey}` },
      scopes: null,
      expiresAt: null,
      rateLimitRemaining: null,
      reason: `Bitbucket accepted the consumer's token for workspace ${settings.workspace}.`,
    };
  const message = ((parseJson(body) as { error?: { message?: unknown } } | undefined)?.error?.message ?? '') as string;
  if (status === 429) {
    const retryAt = retryAtOf(ctx, headers);
    return { kind: 'rate_limited', retryAt, reason: reasons.rateLimited(ctx, retryAt) };
  }
  if (status === 401)
    return {
      kind: 'invalid_credentials',
      reason: `Bitbucket refused the consumer's token (HTTP 401${message ? `: ${message}` : ''}); paste the consumer's current Key and Secret.`,
    };
  if (status === 403 || status === 404)
    return {
      kind: 'insufficient_scope',
      missing: ['repository'],
      reason: `The consumer's token cannot list the repositories of workspace ${settings.workspace} (HTTP ${status}): give the consumer the Repositories: Read permission, make sure it belongs to that workspace, and check workspace in integrations.yml.`,
    };
  return {
    kind: 'provider_error',
    status,
    reason: reasons.providerError(ctx, status, message || 'unexpected status', label),
  };
}

/** A Bitbucket OAuth consumer (SPEC §12): client credentials as HTTP Basic; a token proved on its workspace. */
export const bitbucketMinter: Minter<Bitbucket, ClientSecretRoot> = {
  root: 'client_secret',
  mint: (ctx, _settings, root, endpoints) => mintBitbucketToken(ctx, endpoints, root),
  check: async (ctx, settings, held, identity) => ({
    outcome: await checkWorkspaceToken(ctx, settings, held.accessToken, identity.id),
  }),
  validated: (_ctx, settings, identity) =>
    `Bitbucket issued a token for the consumer ${identity.id} that lists the repositories of workspace ${settings.workspace}. Reauth mints a new one before each ends.`,
};
