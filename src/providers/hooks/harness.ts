import type { Outcome, ValidOutcome } from '../outcome.js';
import {
  callProvider,
  classifyResponse,
  parseJson,
  reasons,
  type TokenSecret,
  type ValidationContext,
} from '../call.js';
import type { ProviderHook } from './types.js';

interface TokenDto {
  valid?: boolean;
  validTo?: number;
  identifier?: string;
  name?: string;
  parentIdentifier?: string;
  email?: string;
  username?: string;
  apiKeyType?: string;
}

/** Harness tokens are `pat.<accountId>.<id>.<secret>` or `sat.…` (https://docs.gitguardian.com/secrets-detection/secrets-detection-engine/detectors/specifics/harness_api_key). */
const TOKEN_SHAPE = /^(pat|sat)\.([^.]+)\.[^.]+\.[^.]+$/;

/** POST /ng/api/token/validate: the token's own record, with validTo in ms (0 = no expiry). */
async function tokenRecord(
  ctx: ValidationContext,
  secret: TokenSecret,
): Promise<{ dto?: TokenDto; failure?: Outcome }> {
  const result = await callProvider(ctx, secret, '/ng/api/token/validate', {
    method: 'POST',
    query: { accountIdentifier: ctx.target.accountId ?? '' },
    body: JSON.stringify(secret.token),
    headers: { 'Content-Type': 'application/json' },
  });
  if (result.kind === 'network_error')
    return { failure: { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) } };
  if (result.response.status !== 200) return { failure: classifyResponse(ctx, result.response) };
  const dto = (parseJson(result.response.body) as { data?: TokenDto } | undefined)?.data;
  return dto
    ? { dto }
    : {
        failure: {
          kind: 'provider_error',
          status: 200,
          reason: reasons.providerError(ctx, 200, 'token/validate returned no data'),
        },
      };
}

const expiryOf = (dto: TokenDto | undefined): Date | null =>
  dto?.validTo && dto.validTo > 0 ? new Date(dto.validTo) : null;

/**
 * Personal tokens are checked with currentUser; service-account tokens have no user, so they are
 * checked with token/validate alone. Harness answers 429 without Retry-After (https://developer.harness.io/docs/platform/rate-limits/).
 */
export const harnessHook: ProviderHook = {
  precheck(ctx, secret) {
    const match = TOKEN_SHAPE.exec(secret.token);
    if (match && ctx.target.accountId && match[2] !== ctx.target.accountId) {
      return {
        kind: 'invalid_input',
        field: 'token',
        reason: `This token belongs to Harness account ${match[2]}, but the integration is for account ${ctx.target.accountId}. Create the token in account ${ctx.target.accountId}.`,
      };
    }
    return undefined;
  },
  async validate(ctx, secret, generic) {
    if (!secret.token.startsWith('sat.')) return generic();
    const { dto, failure } = await tokenRecord(ctx, secret);
    if (failure) return failure;
    if (dto?.valid !== true)
      return { kind: 'invalid_credentials', reason: reasons.invalid(ctx, 200, 'token/validate says not valid') };
    const valid: ValidOutcome = {
      kind: 'valid',
      identity: {
        id: dto.parentIdentifier ?? dto.identifier ?? 'service-account',
        name: `service account ${dto.parentIdentifier ?? dto.identifier ?? ''}`.trim(),
        ...(dto.email ? { email: dto.email } : {}),
      },
      scopes: null,
      expiresAt: expiryOf(dto),
      rateLimitRemaining: null,
      reason: '',
    };
    return valid;
  },
  async afterValid(ctx, secret, outcome) {
    // The expiry is optional information: if token/validate fails, the credential still works.
    const { dto } = await tokenRecord(ctx, secret);
    return { ...outcome, expiresAt: expiryOf(dto) };
  },
};
