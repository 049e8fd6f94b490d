import { createPrivateKey, type KeyObject } from 'node:crypto';
import { callProvider, parseJson, reasons, retryAtOf, type ValidationContext } from '../call.js';
import type { HttpResult } from '../http.js';
import { describeIdentity, formatUtc, type Identity, type Outcome } from '../outcome.js';
import { signRs256 } from './jwt.js';
import type { MachineSettings } from './settings.js';
import type { Minter, MintResult, PrivateKeyRoot } from './types.js';

type GitHubApp = Extract<MachineSettings, { kind: 'github_app' }>;

/** `iat` this far in the past, against clock drift (GitHub's own advice). */
export const JWT_BACKDATE_SECONDS = 60;
/** `exp` this far ahead: GitHub refuses more than 10 minutes by its own clock. */
export const JWT_LIFETIME_SECONDS = 9 * 60;

/**
 * The App's JWT: RS256 over `iat` (60 s back), `exp` (9 min ahead) and `iss` (the App id as a number,
 * or its client id). https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */
export function appJwt(key: KeyObject, appId: string, now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000);
  return signRs256(
    {
      iat: seconds - JWT_BACKDATE_SECONDS,
      exp: seconds + JWT_LIFETIME_SECONDS,
      iss: /^\d+$/.test(appId) ? Number(appId) : appId,
    },
    key,
  );
}

/** GitHub's message in an error answer, short and without anything but its words. */
const messageOf = (body: string): string => {
  const message = (parseJson(body) as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? (message.split('\n')[0]?.slice(0, 200) ?? '') : '';
};

/** A 401 about the JWT's times: GitHub's clock and Reauth's disagree by more than the JWT allows. */
const isClockRefusal = (body: string): boolean => /'(?:exp|iat)'|expiration time|issued at/i.test(messageOf(body));

/**
 * A request signed with the App's JWT. When GitHub refuses the JWT's times because the clocks disagree,
 * it is signed once more on GitHub's clock (its Date header), as Octokit's App authentication does
 * (https://github.com/octokit/auth-app.js, "clock skew").
 */
async function withAppJwt(
  ctx: ValidationContext,
  key: KeyObject,
  settings: GitHubApp,
  send: (jwt: string) => Promise<HttpResult>,
): Promise<HttpResult> {
  const now = ctx.now();
  const first = await send(appJwt(key, settings.appId, now));
  if (first.kind !== 'response' || first.response.status !== 401 || !isClockRefusal(first.response.body)) return first;
  const theirs = Date.parse(first.response.headers.date ?? '');
  if (Number.isNaN(theirs)) return first;
  return send(appJwt(key, settings.appId, new Date(theirs)));
}

/** A 403 or 429 that is a rate limit (primary or secondary), as GitHub documents them. */
function rateLimited(
  ctx: ValidationContext,
  status: number,
  headers: Record<string, string>,
  body: string,
): Outcome | undefined {
  if (
    status !== 429 &&
    !(
      status === 403 &&
      (headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined || /rate limit/i.test(body))
    )
  )
    return undefined;
  const retryAt = retryAtOf(ctx, headers);
  return { kind: 'rate_limited', retryAt, reason: reasons.rateLimited(ctx, retryAt) };
}

const refusedJwt = (settings: GitHubApp, detail: string): Outcome => ({
  kind: 'invalid_credentials',
  reason: `GitHub rejected the App's signed request (HTTP 401${detail ? `: ${detail}` : ''}): the private key was deleted from the App, or it is not a key of App ${settings.appId}. Generate a new private key in the App's settings (Private keys), then re-authenticate with it.`,
});

/** Anything else GitHub answered that Reauth cannot use. */
const unusable = (ctx: ValidationContext, status: number, label: string, detail: string): Outcome => ({
  kind: 'provider_error',
  status,
  reason: reasons.providerError(ctx, status, detail || (status >= 500 ? 'server error' : 'unexpected status'), label),
});

/**
 * The App itself (`GET /app`, with the JWT): its id, name and slug, which name the credential. A key of
 * another App is refused here, before any token is minted.
 */
export async function checkApp(ctx: ValidationContext, key: KeyObject, settings: GitHubApp): Promise<Outcome> {
  const result = await withAppJwt(ctx, key, settings, (jwt) => callProvider(ctx, { token: jwt }, '/app'));
  if (result.kind === 'network_error') return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
  const { status, headers, body, label } = result.response;
  const limited = rateLimited(ctx, status, headers, body);
  if (limited) return limited;
  if (status === 401) return refusedJwt(settings, messageOf(body));
  if (status !== 200) return unusable(ctx, status, label, messageOf(body));
  const app = parseJson(body) as { id?: unknown; client_id?: unknown; name?: unknown; slug?: unknown } | undefined;
  if (typeof app?.id !== 'number' && typeof app?.id !== 'string')
    return unusable(ctx, status, label, 'the answer names no App');
  const ids = [String(app.id), typeof app.client_id === 'string' ? app.client_id : ''];
  if (!ids.includes(settings.appId))
    return {
      kind: 'invalid_credentials',
      reason: `This private key belongs to the App ${String(app.name ?? app.id)} (id ${String(app.id)}), not to app_id ${settings.appId} of integrations.yml. Paste a key of App ${settings.appId}, or correct app_id.`,
    };
  const identity: Identity = { id: String(app.id) };
  if (typeof app.name === 'string') identity.name = app.name;
  if (typeof app.slug === 'string') identity.username = app.slug;
  return {
    kind: 'valid',
    identity,
    scopes: null,
    // App private keys do not expire; they are revoked by deleting them.
    expiresAt: null,
    rateLimitRemaining: null,
    reason: '',
  };
}

/**
 * An installation access token (`POST /app/installations/{id}/access_tokens`, with the JWT): every
 * repository and permission of the installation, for an hour. Its text is kept whole whatever its length
 * (the 2026 stateless format is ~520 characters, `ghs_APPID_JWT`).
 */
export async function mintInstallationToken(
  ctx: ValidationContext,
  key: KeyObject,
  settings: GitHubApp,
): Promise<MintResult> {
  const path = `/app/installations/${encodeURIComponent(settings.installationId)}/access_tokens`;
  const result = await withAppJwt(ctx, key, settings, (jwt) =>
    callProvider(ctx, { token: jwt }, path, { method: 'POST' }),
  );
  if (result.kind === 'network_error')
    return { ok: false, outcome: { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) } };
  const { status, headers, body, label } = result.response;
  const limited = rateLimited(ctx, status, headers, body);
  if (limited) return { ok: false, outcome: limited };
  const message = messageOf(body);
  if (status === 401) return { ok: false, outcome: refusedJwt(settings, message) };
  if (status === 404)
    return {
      ok: false,
      outcome: {
        kind: 'invalid_credentials',
        reason: `GitHub has no installation ${settings.installationId} of App ${settings.appId} (HTTP 404): the App was uninstalled, or installation_id in integrations.yml is wrong. Install the App on the account, or correct installation_id.`,
      },
    };
  if (status === 403)
    return {
      ok: false,
      outcome: {
        kind: 'insufficient_scope',
        missing: [],
        reason: `GitHub refused a token for installation ${settings.installationId} (HTTP 403${message ? `: ${message}` : ''}): the installation may be suspended. An owner of the account can unsuspend it under Settings → GitHub Apps.`,
      },
    };
  if (status !== 201 && status !== 200) return { ok: false, outcome: unusable(ctx, status, label, message) };
  const answer = parseJson(body) as { token?: unknown; expires_at?: unknown } | undefined;
  const expiresAt = typeof answer?.expires_at === 'string' ? Date.parse(answer.expires_at) : Number.NaN;
  if (typeof answer?.token !== 'string' || !/^[\x21-\x7e]+$/.test(answer.token) || Number.isNaN(expiresAt))
    return { ok: false, outcome: unusable(ctx, status, label, 'the answer holds no token and expiry') };
  return { ok: true, minted: { token: answer.token, expiresAt: new Date(expiresAt) } };
}

/**
 * What a minted token is for, proved: it lists the installation's repositories
 * (`GET /installation/repositories`) — or, for GitHub Actions with `repository`, that repository's runs.
 */
export async function checkInstallationToken(ctx: ValidationContext, token: string): Promise<Outcome | undefined> {
  const repository = ctx.target.provider === 'github_actions' ? ctx.target.repository : null;
  const path = repository ? `/repos/${repository}/actions/runs` : '/installation/repositories';
  const result = await callProvider(ctx, { token }, path, { query: { per_page: '1' } });
  if (result.kind === 'network_error') return { kind: 'unreachable', reason: reasons.unreachable(ctx, result.reason) };
  const { status, headers, body, label } = result.response;
  if (status === 200) return undefined;
  const limited = rateLimited(ctx, status, headers, body);
  if (limited) return limited;
  if (status === 401)
    return {
      kind: 'invalid_credentials',
      reason: `GitHub refused the installation token it had just issued (HTTP 401${messageOf(body) ? `: ${messageOf(body)}` : ''}). Try again; if it persists, check the App's installation.`,
    };
  if (repository && (status === 403 || status === 404))
    return {
      kind: 'insufficient_scope',
      missing: ['actions:read'],
      reason: `The App's token cannot list the workflow runs of ${repository} (HTTP ${status}): give the App the Actions: read permission and install it on ${repository}, then try again.`,
    };
  return unusable(ctx, status, label, messageOf(body));
}

/**
 * A GitHub App installation (SPEC §12): the App is named by its JWT first, installation tokens are minted
 * with it, and a token is proved on the installation's repositories (or the repository's runs).
 */
export const githubAppMinter: Minter<GitHubApp, PrivateKeyRoot> = {
  root: 'private_key',
  identify: (ctx, settings, root) => checkApp(ctx, createPrivateKey(root.pem), settings),
  mint: (ctx, settings, root) => mintInstallationToken(ctx, createPrivateKey(root.pem), settings),
  // An installation token cannot read GET /app: it is named as the stored App.
  async check(ctx, _settings, held, identity) {
    const refused = await checkInstallationToken(ctx, held.accessToken);
    return {
      outcome: refused ?? {
        kind: 'valid',
        identity,
        scopes: null,
        expiresAt: null,
        rateLimitRemaining: null,
        reason: `The installation token of ${describeIdentity(identity)} works.`,
      },
    };
  },
  validated: (ctx, settings, identity, { minted }) =>
    `GitHub accepted the private key of ${describeIdentity(identity)}: installation ${settings.installationId} gave a token that can ${ctx.target.provider === 'github_actions' && ctx.target.repository ? `list the workflow runs of ${ctx.target.repository}` : 'list its repositories'}. Reauth mints a new one before each ends (${formatUtc(minted.expiresAt)}).`,
};
