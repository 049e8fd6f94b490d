import {
  callProvider,
  parseExpiry,
  parseJson,
  readPath,
  reasons,
  type TokenSecret,
  type ValidationContext,
} from './call.js';
import type { Outcome } from './outcome.js';
import type { RotationSpec } from './types.js';

/** What a rotation call gave: the new secret and its expiry, or why not (the current credential is untouched then). */
export type RotationAnswer =
  | { ok: true; token: string; expiresAt: Date | null }
  | {
      ok: false;
      outcome: Outcome /** The provider may have acted (an answer was lost): the previous credential's state is unknown. */;
      uncertain: boolean;
    };

/** The expiry date a rotation asks for: `lifetimeDays` from now, as the provider's YYYY-MM-DD. */
export function expiryDate(now: Date, lifetimeDays: number): string {
  return new Date(now.getTime() + lifetimeDays * 86_400_000).toISOString().slice(0, 10);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/**
 * Asks the provider for a new credential with the current one (a POST, never retried by the HTTP
 * client: a second call would rotate twice). A 401 means the current credential no longer works; a
 * 403 that it may not renew itself (a missing scope), with what it needs.
 */
export async function callRotation(
  ctx: ValidationContext,
  rotation: RotationSpec,
  secret: TokenSecret,
  params: { lifetimeDays: number; name?: string; now: Date },
): Promise<RotationAnswer> {
  const fields: Record<string, string> = { [rotation.expiryParam]: expiryDate(params.now, params.lifetimeDays) };
  if (rotation.nameParam && params.name) fields[rotation.nameParam] = params.name;
  const result = await callProvider(ctx, secret, rotation.path, { method: 'POST', body: form(fields), headers: FORM });
  if (result.kind === 'network_error')
    return {
      ok: false,
      uncertain: true,
      outcome: { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) },
    };
  const { status, body, label } = result.response;
  if (status === 401)
    return {
      ok: false,
      uncertain: false,
      outcome: { kind: 'invalid_credentials', reason: reasons.invalid(ctx, status) },
    };
  if (status === 403) {
    const detail = /insufficient_scope/i.test(body) ? 'insufficient_scope' : 'forbidden';
    return {
      ok: false,
      uncertain: false,
      outcome: {
        kind: 'insufficient_scope',
        missing: [rotation.needs],
        reason: `${ctx.provider.label} refused to renew the ${ctx.spec.label} (HTTP 403, ${detail}): it needs ${rotation.needs}. To fix it, ${rotation.fix}.`,
      },
    };
  }
  if (status === 429)
    return {
      ok: false,
      uncertain: false,
      outcome: { kind: 'rate_limited', retryAt: null, reason: reasons.rateLimited(ctx, null) },
    };
  if (status < 200 || status >= 300)
    return {
      ok: false,
      uncertain: status >= 500,
      outcome: {
        kind: 'provider_error',
        status,
        reason: reasons.providerError(ctx, status, status >= 500 ? 'server error' : 'unexpected status', label),
      },
    };
  const json = parseJson(body);
  const token = readPath(json, rotation.answer.token);
  if (typeof token !== 'string' || token.trim() === '') {
    // The provider acted (GitLab has revoked the previous token) but the answer holds no new one.
    return {
      ok: false,
      uncertain: true,
      outcome: {
        kind: 'provider_error',
        status,
        reason: reasons.providerError(ctx, status, 'the answer held no new token', label),
      },
    };
  }
  const expires = rotation.answer.expiresAt ? readPath(json, rotation.answer.expiresAt) : undefined;
  return { ok: true, token: token.trim(), expiresAt: typeof expires === 'string' ? parseExpiry(expires) : null };
}

/** Revokes a token Reauth generated earlier, by its name, with the current credential. */
export async function revokeByName(
  ctx: ValidationContext,
  rotation: RotationSpec,
  secret: TokenSecret,
  name: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (rotation.previous.revokedBy !== 'by_name') return { ok: true };
  const result = await callProvider(ctx, secret, rotation.previous.path, {
    method: 'POST',
    body: form({ [rotation.previous.nameParam]: name }),
    headers: FORM,
  });
  if (result.kind === 'network_error') return { ok: false, reason: reasons.unreachable(ctx, result.reason) };
  const { status } = result.response;
  // 404: already gone (revoked by a person, or by an earlier try whose answer was lost).
  if ((status >= 200 && status < 300) || status === 404) return { ok: true };
  return { ok: false, reason: `${ctx.provider.label} answered HTTP ${status} when asked to revoke the token ${name}` };
}

/** The names of the user's tokens, where the provider lists them (to find an interrupted rotation's leftovers). */
export async function listTokenNames(
  ctx: ValidationContext,
  rotation: RotationSpec,
  secret: TokenSecret,
): Promise<string[] | undefined> {
  if (!rotation.list) return undefined;
  const result = await callProvider(ctx, secret, rotation.list.path);
  if (result.kind === 'network_error' || result.response.status !== 200) return undefined;
  const list = readPath(parseJson(result.response.body), rotation.list.names);
  if (!Array.isArray(list)) return undefined;
  const field = rotation.list.nameField;
  return list
    .map((item) => (item && typeof item === 'object' ? (item as Record<string, unknown>)[field] : undefined))
    .filter((n): n is string => typeof n === 'string');
}
