import { callProvider, parseJson } from '../call.js';
import type { ProviderHook } from './types.js';

interface TokenSelf {
  active?: boolean;
  revoked?: boolean;
  expires_at?: string | null;
  scopes?: string[];
  name?: string;
  user_id?: number;
}

/**
 * GitLab's personal_access_tokens/self tells active, revoked, expires_at (a date: the token dies at
 * 00:00 UTC) and scopes; error bodies say invalid_token / insufficient_scope (https://docs.gitlab.com/api/personal_access_tokens/).
 */
export const gitlabHook: ProviderHook = {
  inspect(_ctx, response) {
    const body = parseJson(response.body) as
      | { error?: string; error_description?: string; message?: string }
      | undefined;
    if (response.status === 401 && body?.error === 'invalid_token') {
      const why = body.error_description ?? 'invalid token';
      const what = /revoked/i.test(why) ? 'revoked' : /expired/i.test(why) ? 'expired' : 'not valid';
      return {
        kind: 'invalid_credentials',
        reason: `GitLab says the token is ${what} ("${why.split('.')[0]}"). Create a new personal access token with read_api and try again.`,
      };
    }
    if (response.status === 403 && body?.error === 'insufficient_scope') {
      return {
        kind: 'insufficient_scope',
        missing: ['read_api'],
        reason:
          'GitLab says the token lacks the scope this call needs; create a token with read_api (or api) and try again.',
      };
    }
    if (response.status === 400 && /personal access token/i.test(body?.message ?? '')) {
      return {
        kind: 'wrong_auth_type',
        reason:
          'GitLab says this is not a personal access token (it may be an OAuth, deploy or job token); this integration uses personal access tokens, and the auth type cannot change during re-authentication.',
      };
    }
    if (response.status === 403 && !body?.error) {
      return {
        kind: 'invalid_credentials',
        reason:
          'GitLab refused the request (HTTP 403): after many failed sign-ins GitLab blocks the address for a while, or the token is not allowed. Wait, check the token, and try again.',
      };
    }
    return undefined;
  },
  async afterValid(ctx, secret, outcome, response) {
    const self = parseJson(response.body) as TokenSelf;
    if (self.revoked === true)
      return {
        kind: 'invalid_credentials',
        reason: 'GitLab says the token was revoked. Create a new personal access token with read_api and try again.',
      };
    if (self.active === false)
      return {
        kind: 'invalid_credentials',
        reason:
          'GitLab says the token is no longer active (expired or revoked). Create a new personal access token with read_api and try again.',
      };
    const expiresAt = self.expires_at ? new Date(`${self.expires_at.slice(0, 10)}T00:00:00Z`) : null;
    const identity = { ...outcome.identity, ...(self.name ? { name: `token "${self.name}"` } : {}) };
    // The user behind the token, for the outcome message; a token without read_user/read_api cannot see it.
    const user = await callProvider(ctx, secret, '/api/v4/user');
    if (user.kind === 'response' && user.response.status === 200) {
      const me = parseJson(user.response.body) as { username?: string; name?: string; email?: string } | undefined;
      if (me?.name) identity.name = me.name;
      if (me?.username) identity.username = me.username;
      if (me?.email) identity.email = me.email;
    }
    return { ...outcome, identity, scopes: Array.isArray(self.scopes) ? self.scopes : [], expiresAt };
  },
};
