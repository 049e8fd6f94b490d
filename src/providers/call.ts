import type { HttpClient, HttpResponse, HttpResult } from './http.js';
import { retryAfterMs } from './http.js';
import { formatUtc, type Identity, type Outcome, type ValidOutcome } from './outcome.js';
import type { AuthKey, AuthSpec, ProviderKey, ProviderSpec, ValidationSpec } from './types.js';

/**
 * The building blocks of a validation: the context, the authenticated call, the reasons and the
 * parsers. Hooks and the generic flow (validate.ts) both build on this module; it imports neither.
 */

/** The integration being validated: where to call and with which catalogue fields. */
export interface ValidationTarget {
  id: string;
  provider: ProviderKey;
  auth: AuthKey;
  url: string;
  accountId?: string | null;
  repository?: string | null;
  organization?: string | null;
  /** A Bitbucket workspace (an access token's or a consumer's), from integrations.yml. */
  workspace?: string | null;
}

/** One secret as it travels to the provider: a token and, for Basic auth, its user. */
export interface TokenSecret {
  identifier?: string | undefined;
  token: string;
}

export interface ValidationContext {
  target: ValidationTarget;
  provider: ProviderSpec;
  spec: AuthSpec;
  validation: ValidationSpec;
  http: HttpClient;
  now: () => Date;
}

export function authHeaders(style: ValidationSpec['header'], secret: TokenSecret): Record<string, string> {
  switch (style) {
    case 'basic_identifier':
      return { Authorization: `Basic ${Buffer.from(`${secret.identifier ?? ''}:${secret.token}`).toString('base64')}` };
    case 'basic_empty_user':
      return { Authorization: `Basic ${Buffer.from(`:${secret.token}`).toString('base64')}` };
    case 'bearer':
      return { Authorization: `Bearer ${secret.token}` };
    case 'x_api_key':
      return { 'x-api-key': secret.token };
    case 'private_token':
      return { 'PRIVATE-TOKEN': secret.token };
  }
}

/** Sends an authenticated request to a path below the integration's own URL, never elsewhere. */
export function callProvider(
  ctx: ValidationContext,
  secret: TokenSecret,
  path: string,
  options: {
    method?: 'GET' | 'POST';
    query?: Record<string, string>;
    body?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult> {
  const url = new URL(ctx.target.url.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
  return ctx.http.send({
    provider: ctx.target.provider,
    method: options.method ?? 'GET',
    url,
    headers: {
      'User-Agent': 'reauth-bot',
      ...ctx.validation.extraHeaders,
      ...options.headers,
      ...authHeaders(ctx.validation.header, secret),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

/** The validation call itself, with the spec's query parameters. */
export function callValidation(ctx: ValidationContext, secret: TokenSecret): Promise<HttpResult> {
  const query: Record<string, string> = {};
  for (const [name, field] of Object.entries(ctx.validation.query ?? {})) {
    const value =
      field === 'account_id' ? ctx.target.accountId : field === 'repository' ? ctx.target.repository : undefined;
    if (value) query[name] = value;
  }
  return callProvider(ctx, secret, ctx.validation.path, { query });
}

// ---------------------------------------------------------------------------------------------
// Reasons: one sentence each, saying what happened and what to do.

export const reasons = {
  invalid(ctx: ValidationContext, status: number, detail?: string): string {
    const page = ctx.provider.credentialPage
      ?.replace('{organization}', ctx.target.organization ?? '')
      .replace('{account_id}', ctx.target.accountId ?? '');
    const email =
      ctx.validation.header === 'basic_identifier'
        ? ' (check the email too: it must be the account the token belongs to)'
        : '';
    return `${ctx.provider.label} rejected the ${ctx.spec.label} (HTTP ${status}${detail ? `, ${detail}` : ''}): it is wrong, expired or revoked${email}. Create a new one${page ? ` at ${page}` : ''} and try again.`;
  },
  forbidden(ctx: ValidationContext, status: number): string {
    return `${ctx.provider.label} accepted the ${ctx.spec.label} but refused access (HTTP ${status}): its user lacks permission. Grant the permissions listed in the hint, or use another account's token.`;
  },
  rateLimited(ctx: ValidationContext, retryAt: Date | null): string {
    return `${ctx.provider.label} is rate-limiting this credential${retryAt ? ` until ${formatUtc(retryAt)}` : ''}; try again ${retryAt ? 'after that' : 'in a minute'}. Nothing was changed.`;
  },
  unreachable(ctx: ValidationContext, detail: string): string {
    return `Could not reach ${ctx.provider.label}: ${detail}. Check the integration's URL (${ctx.target.url}) and the network, then try again; nothing was changed.`;
  },
  /** `label` is "GET host/path" of the call (never query values or headers). */
  providerError(ctx: ValidationContext, status: number | null, detail: string, label?: string): string {
    const where = label ? `${label} → ` : '';
    return `${ctx.provider.label} gave an unusable answer (${where}${status === null ? detail : `HTTP ${status}: ${detail}`}). This is on the provider's side or the URL is wrong; try again in a few minutes. Nothing was changed.`;
  },
};

// ---------------------------------------------------------------------------------------------

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function extractIdentity(json: unknown, paths: ValidationSpec['identity']): Identity | undefined {
  const id = asText(readPath(json, paths.id));
  if (!id) return undefined;
  const identity: Identity = { id };
  for (const field of ['name', 'email', 'username'] as const) {
    const path = paths[field];
    const value = path ? asText(readPath(json, path)) : undefined;
    if (value) identity[field] = value;
  }
  return identity;
}

/** Expiry headers come as "2021-10-07 19:07:53 UTC" (GitHub), ISO-8601 or a plain date (SonarQube). */
export function parseExpiry(value: string | undefined): Date | null {
  if (!value) return null;
  const text = value
    .trim()
    .replace(/ UTC$/, 'Z')
    .replace(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d(:\d\d)?)/, '$1T$2')
    .replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const time = Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(time) ? null : new Date(time);
}

export function retryAtOf(ctx: ValidationContext, headers: Record<string, string>): Date | null {
  const now = ctx.now().getTime();
  const after = retryAfterMs(headers, now);
  if (after !== undefined) return new Date(now + after);
  const rate = ctx.validation.rateLimit;
  const reset = rate?.reset ? headers[rate.reset] : undefined;
  if (!reset) return null;
  if (rate?.resetFormat === 'epoch' && /^\d+$/.test(reset)) return new Date(Number(reset) * 1000);
  const parsed = Date.parse(reset);
  return Number.isNaN(parsed) ? null : new Date(parsed);
}

/** The valid outcome as data says it: identity from the body, scopes, expiry and rate limit from headers. */
export function validFromResponse(ctx: ValidationContext, response: HttpResponse, json: unknown): Outcome {
  const identity = extractIdentity(json, ctx.validation.identity);
  if (!identity)
    return {
      kind: 'provider_error',
      status: response.status,
      reason: reasons.providerError(ctx, response.status, 'the answer names no user', response.label),
    };
  const scopesHeader = ctx.validation.scopesHeader ? response.headers[ctx.validation.scopesHeader] : undefined;
  const remaining = ctx.validation.rateLimit
    ? Number(response.headers[ctx.validation.rateLimit.remaining])
    : Number.NaN;
  return {
    kind: 'valid',
    identity,
    scopes:
      scopesHeader === undefined
        ? null
        : scopesHeader
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    expiresAt: parseExpiry(ctx.validation.expiryHeader ? response.headers[ctx.validation.expiryHeader] : undefined),
    rateLimitRemaining: Number.isFinite(remaining) ? remaining : null,
    reason: '',
  };
}

/** Generic status handling for a provider answer; hooks run before and after it. */
export function classifyResponse(ctx: ValidationContext, response: HttpResponse): Outcome {
  const { status, headers } = response;
  if (status >= 200 && status < 300) {
    const json = parseJson(response.body);
    if (json === undefined || typeof json !== 'object') {
      return {
        kind: 'provider_error',
        status,
        reason: reasons.providerError(ctx, status, 'the answer was not JSON', response.label),
      };
    }
    return validFromResponse(ctx, response, json);
  }
  if (status >= 300 && status < 400) {
    const where = headers.location ? new URL(headers.location, ctx.target.url).host : 'elsewhere';
    return {
      kind: 'provider_error',
      status,
      reason: `${ctx.provider.label} redirected the check to ${where}; the credential was not sent there. Check the integration's URL (${ctx.target.url}) in integrations.yml.`,
    };
  }
  if (status === 401) return { kind: 'invalid_credentials', reason: reasons.invalid(ctx, status) };
  if (status === 403) return { kind: 'insufficient_scope', missing: [], reason: reasons.forbidden(ctx, status) };
  if (status === 429) {
    const retryAt = retryAtOf(ctx, headers);
    return { kind: 'rate_limited', retryAt, reason: reasons.rateLimited(ctx, retryAt) };
  }
  if (status === 404) {
    return {
      kind: 'provider_error',
      status,
      reason: `${ctx.provider.label} has no ${ctx.validation.path} at ${ctx.target.url} (HTTP 404); check the integration's URL in integrations.yml.`,
    };
  }
  return {
    kind: 'provider_error',
    status,
    reason: reasons.providerError(ctx, status, status >= 500 ? 'server error' : 'unexpected status', response.label),
  };
}

/** Missing scope groups, written as "a or b". */
export function missingScopes(required: AuthSpec['requiredScopes'], granted: readonly string[]): string[] {
  return (required ?? [])
    .filter((group) => !group.some((scope) => granted.includes(scope)))
    .map((group) => group.join(' or '));
}

export function checkRequiredScopes(ctx: ValidationContext, outcome: ValidOutcome): Outcome {
  if (outcome.scopes === null) return outcome;
  const missing = missingScopes(ctx.spec.requiredScopes, outcome.scopes);
  if (missing.length === 0) return outcome;
  return {
    kind: 'insufficient_scope',
    missing,
    reason: `The ${ctx.spec.label.replace(/s$/, '')} works but lacks ${missing.join(', ')}${outcome.scopes.length ? ` (it has ${outcome.scopes.join(', ')})` : ' (it has no scopes)'}. Edit the token to add ${missing.length > 1 ? 'them' : 'it'}, or create a new one, and try again.`,
  };
}
