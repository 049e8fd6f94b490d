import { fingerprintSecret } from '../crypto/fingerprint.js';
import {
  callValidation,
  checkRequiredScopes,
  classifyResponse,
  reasons,
  type TokenSecret,
  type ValidationContext,
  type ValidationTarget,
} from './call.js';
import { HOOKS } from './hooks/index.js';
import type { HttpClient } from './http.js';
import type { CredentialInput } from './input.js';
import {
  describeIdentity,
  formatUtc,
  type CredentialValidation,
  type Outcome,
  type TokenReport,
  type ValidOutcome,
} from './outcome.js';
import { authSpec, providerSpec } from './registry.js';

export function createValidationContext(
  target: ValidationTarget,
  http: HttpClient,
  now: () => Date,
): ValidationContext {
  const spec = authSpec(target.provider, target.auth);
  if (!spec?.validation) throw new Error(`${target.provider}/${target.auth} has no validation call`);
  return { target, provider: providerSpec(target.provider), spec, validation: spec.validation, http, now };
}

/** The generic flow for one secret: call, quirk inspection, classification, scope check. */
export async function genericValidate(ctx: ValidationContext, secret: TokenSecret): Promise<Outcome> {
  const hook = ctx.spec.hook ? HOOKS[ctx.spec.hook] : undefined;
  const result = await callValidation(ctx, secret);
  if (result.kind === 'network_error') return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
  const quirk = hook?.inspect?.(ctx, result.response);
  if (quirk) return quirk;
  let outcome = classifyResponse(ctx, result.response);
  if (outcome.kind === 'valid' && ctx.validation.scopesUnknownFor?.test(secret.token))
    outcome = { ...outcome, scopes: null };
  // Scopes known from headers are checked before any further call; those a hook reads (GitLab) after it.
  if (outcome.kind === 'valid') outcome = checkRequiredScopes(ctx, outcome);
  if (outcome.kind === 'valid' && hook?.afterValid)
    outcome = await hook.afterValid(ctx, secret, outcome, result.response);
  return outcome.kind === 'valid' ? checkRequiredScopes(ctx, outcome) : outcome;
}

/** Validates one secret, letting the provider's hook wrap the generic flow where data is not enough. */
export async function validateToken(ctx: ValidationContext, secret: TokenSecret): Promise<Outcome> {
  const hook = ctx.spec.hook ? HOOKS[ctx.spec.hook] : undefined;
  const early = hook?.precheck?.(ctx, secret);
  if (early) return early;
  const outcome = hook?.validate
    ? await hook.validate(ctx, secret, () => genericValidate(ctx, secret))
    : await genericValidate(ctx, secret);
  return outcome.kind === 'valid' ? { ...outcome, reason: validReason(ctx, outcome) } : outcome;
}

function validReason(ctx: ValidationContext, outcome: ValidOutcome): string {
  return `${ctx.provider.label} accepted the credential as ${describeIdentity(outcome.identity)}${outcome.expiresAt ? `; it expires ${formatUtc(outcome.expiresAt)}` : ''}.`;
}

/**
 * Validates everything submitted: every token of a pool concurrently. All or nothing:
 * the overall outcome is valid only if every token is, else it names the first that is not.
 */
export async function validateCredential(
  ctx: ValidationContext,
  input: CredentialInput,
): Promise<CredentialValidation> {
  const tokens: TokenReport[] = await Promise.all(
    input.tokens.map(async (token, i) => ({
      position: i + 1,
      fingerprint: fingerprintSecret(token),
      outcome: await validateToken(ctx, { identifier: input.identifier, token }),
    })),
  );
  const failed = tokens.find((t) => t.outcome.kind !== 'valid');
  const first = tokens[0];
  if (!first) return { outcome: { kind: 'invalid_input', field: 'token', reason: 'Paste the token.' }, tokens };
  if (!failed) {
    if (tokens.length === 1) return { outcome: first.outcome, tokens };
    return {
      outcome: {
        ...(first.outcome as ValidOutcome),
        reason: `All ${tokens.length} tokens work. ${first.outcome.reason}`,
      },
      tokens,
    };
  }
  if (tokens.length === 1) return { outcome: failed.outcome, tokens };
  const bad = tokens.filter((t) => t.outcome.kind !== 'valid').map((t) => `token ${t.position} (${t.fingerprint})`);
  return {
    outcome: {
      ...failed.outcome,
      reason: `The pool was refused because ${bad.join(', ')} failed. Token ${failed.position}: ${failed.outcome.reason}`,
    },
    tokens,
  };
}
