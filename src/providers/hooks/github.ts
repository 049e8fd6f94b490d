import { callProvider, reasons, retryAtOf } from '../call.js';
import type { Outcome } from '../outcome.js';
import type { ProviderHook } from './types.js';

/**
 * GitHub's 403 means one of three things, told apart by headers (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api):
 * a rate limit (x-ratelimit-remaining: 0, retry-after, or "secondary rate limit" wording),
 * SAML SSO not authorized (X-GitHub-SSO), or a missing permission.
 */
export const githubHook: ProviderHook = {
  inspect(ctx, response) {
    if (response.status !== 403 && response.status !== 429) return undefined;
    const h = response.headers;
    const limited =
      response.status === 429 ||
      h['x-ratelimit-remaining'] === '0' ||
      h['retry-after'] !== undefined ||
      /rate limit/i.test(response.body);
    if (limited) {
      const retryAt = retryAtOf(ctx, h);
      return { kind: 'rate_limited', retryAt, reason: reasons.rateLimited(ctx, retryAt) };
    }
    const sso = h['x-github-sso'];
    if (sso) {
      const url = /url=(\S+)/.exec(sso)?.[1];
      return {
        kind: 'insufficient_scope',
        missing: ['SAML SSO authorization'],
        reason: `The token is not authorized for the organization's SAML single sign-on. ${url ? `Authorize it at ${url} (link valid for an hour)` : 'Authorize it under Settings → Developer settings → Tokens → Configure SSO'}, then try again.`,
      };
    }
    const needed = h['x-accepted-github-permissions'];
    return {
      kind: 'insufficient_scope',
      missing: needed ? [needed] : [],
      reason: needed
        ? `GitHub refused the token (HTTP 403): it needs the ${needed} permission. Edit the token's permissions and try again.`
        : 'GitHub refused the token (HTTP 403): after repeated bad attempts GitHub blocks sign-ins for a while, or the token lacks permission. Wait a few minutes, check the token, and try again.',
    };
  },
};

/** GitHub Actions: GitHub's checks, plus proof that the token can list the repository's workflow runs. */
export const githubActionsHook: ProviderHook = {
  ...githubHook,
  async afterValid(ctx, secret, base) {
    const repository = ctx.target.repository;
    if (!repository) return base;
    const result = await callProvider(ctx, secret, `/repos/${repository}/actions/runs`, { query: { per_page: '1' } });
    if (result.kind === 'network_error')
      return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
    const { status } = result.response;
    if (status === 200) return base;
    const limited = githubHook.inspect?.(ctx, result.response);
    if (limited?.kind === 'rate_limited') return limited;
    if (status === 401) return { kind: 'invalid_credentials', reason: reasons.invalid(ctx, status) };
    if (status === 403 || status === 404) {
      const denied: Outcome = {
        kind: 'insufficient_scope',
        missing: ['actions:read'],
        reason: `The token signs in but cannot list the workflow runs of ${repository} (HTTP ${status}): give it the repo scope (classic) or Actions: read on ${repository} (fine-grained), and check it can see that repository.`,
      };
      return denied;
    }
    return {
      kind: 'provider_error',
      status,
      reason: reasons.providerError(
        ctx,
        status,
        `listing workflow runs of ${repository} failed`,
        result.response.label,
      ),
    };
  },
};
