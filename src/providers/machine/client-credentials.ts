import { parseJson, type ValidationContext } from '../call.js';
import { retryAfterMs, type HttpResult } from '../http.js';
import { formatUtc, type Outcome } from '../outcome.js';
import type { MintResult } from './types.js';

/** When the token endpoint gives no lifetime: the hour every provider of §12 documents. */
const DEFAULT_LIFETIME_SECONDS = 3600;

/** The first line of an OAuth error description, short (Entra's carry trace ids and times). */
const describe = (value: unknown): string =>
  typeof value === 'string' ? (value.split(/\r?\n/)[0] ?? '').slice(0, 200) : '';

/**
 * An OAuth 2.0 client-credentials answer (RFC 6749 §4.4, errors §5.2) as a mint's result: the access
 * token and when it ends, or why not — a refusal of the client (`invalid_client`, `unauthorized_client`,
 * any 400/401 error) fails the integration; a 429, a 5xx or an unusable answer is tried again later.
 * `who` names the endpoint in messages ("Microsoft Entra ID"), `fix` what to do about a refusal.
 */
export function clientCredentialsAnswer(
  ctx: Pick<ValidationContext, 'now'>,
  result: HttpResult,
  who: string,
  fix: string,
): MintResult {
  const fail = (outcome: Outcome): MintResult => ({ ok: false, outcome });
  if (result.kind === 'network_error')
    return fail({
      kind: 'unreachable',
      reason: `Could not reach ${who}: ${result.reason}. Reauth tries again shortly.`,
    });
  const { status, headers, body } = result.response;
  const now = ctx.now().getTime();
  if (status === 429) {
    const after = retryAfterMs(headers, now);
    const retryAt = after === undefined ? null : new Date(now + after);
    return fail({
      kind: 'rate_limited',
      retryAt,
      reason: `${who} is rate-limiting token requests${retryAt ? ` until ${formatUtc(retryAt)}` : ''}; Reauth tries again then.`,
    });
  }
  if (status >= 500)
    return fail({
      kind: 'provider_error',
      status,
      reason: `${who} failed (HTTP ${status}); Reauth tries again shortly.`,
    });
  const json = parseJson(body) as Record<string, unknown> | undefined;
  if (!json || typeof json !== 'object')
    return fail({
      kind: 'provider_error',
      status,
      reason: `${who}'s token endpoint gave an answer that is not JSON (HTTP ${status}); Reauth tries again shortly.`,
    });
  const error = typeof json.error === 'string' ? json.error : undefined;
  if (status === 400 || status === 401 || error) {
    const detail = [error ?? `HTTP ${status}`, describe(json.error_description)].filter(Boolean).join(': ');
    return fail({ kind: 'invalid_credentials', reason: `${who} refused the client credentials (${detail}). ${fix}` });
  }
  const expiresIn = Number(json.expires_in ?? DEFAULT_LIFETIME_SECONDS);
  if (status !== 200 || typeof json.access_token !== 'string' || !/^[\x21-\x7e]+$/.test(json.access_token))
    return fail({
      kind: 'provider_error',
      status,
      reason: `${who}'s token endpoint answered HTTP ${status} without a usable token; Reauth tries again shortly.`,
    });
  const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_SECONDS;
  return { ok: true, minted: { token: json.access_token, expiresAt: new Date(now + seconds * 1000) } };
}
