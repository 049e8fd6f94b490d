import type { ProviderHook } from './types.js';
import { reasons } from '../call.js';

/**
 * Jira can answer 200 as an anonymous user while X-Seraph-LoginReason says the login failed
 * (https://jira.atlassian.com/browse/ID-6351); AUTHENTICATION_DENIED can also mean a CAPTCHA is demanded.
 */
export const jiraHook: ProviderHook = {
  inspect(ctx, response) {
    const reason = response.headers['x-seraph-loginreason']?.toUpperCase() ?? '';
    if (reason.includes('AUTHENTICATED_FAILED')) {
      return {
        kind: 'invalid_credentials',
        reason: reasons.invalid(ctx, response.status, 'login reason AUTHENTICATED_FAILED'),
      };
    }
    if (reason.includes('AUTHENTICATION_DENIED')) {
      return {
        kind: 'invalid_credentials',
        reason: `Jira refused the login (HTTP ${response.status}, AUTHENTICATION_DENIED): the token is wrong, or Jira wants a CAPTCHA for this account. Sign in once in a browser as that user, then try again with a valid token.`,
      };
    }
    return undefined;
  },
};
