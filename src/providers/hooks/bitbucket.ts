import { callProvider, classifyResponse, reasons } from '../call.js';
import type { ProviderHook } from './types.js';

/**
 * A Bitbucket workspace, project or repository access token (SPEC §1): sent as Bearer, checked on what it
 * belongs to — `GET {url}/2.0/repositories/{workspace}?pagelen=1`, or with `repository`
 * (`{workspace}/{repo_slug}`) that repository. It is no person: its account is its workspace (or
 * repository), so the same-account rule never asks for a confirmation between two tokens of it.
 */
export const bitbucketAccessTokenHook: ProviderHook = {
  async validate(ctx, secret) {
    const workspace = ctx.target.workspace ?? '';
    const repository = ctx.target.repository;
    const path = repository
      ? `/2.0/repositories/${repository.split('/').map(encodeURIComponent).join('/')}`
      : `/2.0/repositories/${encodeURIComponent(workspace)}`;
    const result = await callProvider(ctx, secret, path, repository ? {} : { query: { pagelen: '1' } });
    if (result.kind === 'network_error')
      return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
    const { status } = result.response;
    const place = repository ?? workspace;
    if (status === 200)
      return {
        kind: 'valid',
        identity: {
          id: repository ? `repository:${repository}` : `workspace:${workspace}`,
          name: `${place} access token`,
        },
        scopes: null,
        expiresAt: null,
        rateLimitRemaining: null,
        reason: '',
      };
    if (status === 403 || status === 404)
      return {
        kind: 'insufficient_scope',
        missing: [],
        reason: `Bitbucket accepted the access token but it cannot read ${place} (HTTP ${status}): it belongs to another workspace, project or repository, or lacks the Repositories: Read scope. Create one for ${place} and try again.`,
      };
    return classifyResponse(ctx, result.response);
  },
};
