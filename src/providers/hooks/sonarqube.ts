import {
  callProvider,
  callValidation,
  classifyResponse,
  parseExpiry,
  parseJson,
  reasons,
  validFromResponse,
} from '../call.js';
import type { ProviderHook } from './types.js';

const EXPIRY = 'sonarqube-authentication-token-expiration';

/**
 * api/authentication/validate answers 200 {"valid": …} — and valid:true for anonymous callers when
 * forced authentication is off — so api/users/current must also say isLoggedIn:true (https://docs.sonarsource.com/sonarqube-server/10.0/extension-guide/web-api/).
 */
export const sonarqubeHook: ProviderHook = {
  async validate(ctx, secret) {
    const validated = await callValidation(ctx, secret);
    if (validated.kind === 'network_error')
      return { kind: 'unreachable', reason: reasons.unreachable(ctx, validated.reason) };
    if (validated.response.status !== 200) return classifyResponse(ctx, validated.response);
    const verdict = (parseJson(validated.response.body) as { valid?: unknown } | undefined)?.valid;
    if (verdict === false)
      return { kind: 'invalid_credentials', reason: reasons.invalid(ctx, 200, 'validate says valid:false') };
    if (verdict !== true) {
      return {
        kind: 'provider_error',
        status: 200,
        reason: reasons.providerError(ctx, 200, 'api/authentication/validate said neither valid:true nor valid:false'),
      };
    }

    const result = await callProvider(ctx, secret, '/api/users/current');
    if (result.kind === 'network_error')
      return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
    const { response } = result;
    if (response.status !== 200) return classifyResponse(ctx, response);
    const current = parseJson(response.body) as { isLoggedIn?: unknown } | undefined;
    if (current?.isLoggedIn !== true) {
      return {
        kind: 'invalid_credentials',
        reason:
          'SonarQube treated the token as anonymous (validate said valid, users/current says not logged in): the token was not accepted, or a proxy dropped the Authorization header. Create a new user token and try again.',
      };
    }
    const outcome = validFromResponse(ctx, response, current);
    if (outcome.kind !== 'valid') return outcome;
    const login = outcome.identity.username ?? outcome.identity.id;
    if (secret.identifier && secret.identifier.toLowerCase() !== login.toLowerCase()) {
      return {
        kind: 'invalid_input',
        field: 'username',
        reason: `This token belongs to SonarQube user "${login}", not "${secret.identifier}". Enter ${login}, or use ${secret.identifier}'s own token.`,
      };
    }
    return { ...outcome, expiresAt: outcome.expiresAt ?? parseExpiry(validated.response.headers[EXPIRY]) };
  },
};
