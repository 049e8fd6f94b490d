import { recordAudit } from '../db/repositories/audit.js';
import { findActiveIntegration, type IntegrationRow } from '../db/repositories/integrations.js';
import { fingerprintSecret } from '../crypto/fingerprint.js';
import { exchangeCode, oauthEndpoints, oauthSetupHint } from '../providers/oauth.js';
import type { CredentialValidation, ValidOutcome } from '../providers/outcome.js';
import type { ProviderKey } from '../providers/types.js';
import { createValidationContext, validateToken } from '../providers/validate.js';
import { providerLabel } from '../slack/blocks/describe.js';
import type { ServiceDeps } from './deps.js';
import { consumeOAuthState, hashState } from './oauth-states.js';
import { targetOf } from './probe.js';
import { commitCredential } from './reauthenticate.js';

export interface CallbackInput {
  state: string | undefined;
  code: string | undefined;
  error: string | undefined;
  errorDescription: string | undefined;
  /** The state hash the browser's cookie carries (set when it opened the link-out). */
  cookieStateHash: string | undefined;
  redirectUri: string;
}

export type CallbackResult = {
  status: number;
  page: { title: string; message: string; ok: boolean };
  /** Whom and what to tell in Slack. */
  notify?: { userId: string; integration: IntegrationRow };
  success?: { integration: IntegrationRow; affected: IntegrationRow[]; validation: CredentialValidation & { outcome: ValidOutcome }; userId: string };
};

const PROBLEM_PAGES = {
  unknown: { title: 'This sign-in link is not valid', message: 'Reauth does not know this sign-in request. Start again with Re-authenticate in Slack.' },
  reused: { title: 'This sign-in link was already used', message: 'Each sign-in link works once. Start again with Re-authenticate in Slack.' },
  expired: { title: 'This sign-in link has expired', message: 'Sign-in links are valid for 10 minutes. Start again with Re-authenticate in Slack.' },
} as const;

/**
 * GET /oauth/callback: the state is checked (and used up) before any code exchange; then the code
 * is exchanged, the token validated against the provider, and stored only if it works.
 */
export async function completeOAuth(deps: ServiceDeps, input: CallbackInput): Promise<CallbackResult> {
  const now = deps.clock.now();
  const audit = (integrationId: string | null, actor: string, outcome: string, detail: Record<string, unknown> = {}, fingerprint: string | null = null) =>
    recordAudit(deps.db, { actor, integrationId, action: 'reauth.oauth', outcome, detail, fingerprint }, now);

  if (!input.state) {
    audit(null, 'unknown', 'missing_state');
    return { status: 400, page: { ...PROBLEM_PAGES.unknown, ok: false } };
  }
  const consumed = consumeOAuthState(deps.db, deps.keyring, input.state, now);
  if (!consumed.ok) {
    audit(consumed.integrationId ?? null, consumed.slackUserId ?? 'unknown', `${consumed.problem}_state`);
    return { status: 400, page: { ...PROBLEM_PAGES[consumed.problem], ok: false } };
  }
  const integration = findActiveIntegration(deps.db, consumed.integrationId);
  const fail = (status: number, title: string, message: string, outcome: string, detail: Record<string, unknown> = {}): CallbackResult => {
    audit(consumed.integrationId, consumed.slackUserId, outcome, detail);
    return { status, page: { title, message, ok: false }, ...(integration ? { notify: { userId: consumed.slackUserId, integration } } : {}) };
  };
  if (input.cookieStateHash !== hashState(input.state)) {
    return fail(403, 'This sign-in belongs to someone else', 'This sign-in was started from another browser or by another person, so it was refused and nothing was changed. Start again with Re-authenticate in Slack, in this browser.', 'foreign_state');
  }
  if (!integration || integration.authType !== 'oauth') {
    return fail(404, 'Integration not found', 'The integration no longer exists or no longer uses OAuth. Nothing was changed.', 'not_found');
  }
  const provider = providerLabel(integration.provider);
  if (input.error) {
    const description = input.errorDescription ? ` (${input.errorDescription.slice(0, 200)})` : '';
    return fail(400, `${provider} did not grant access`, `${provider} answered "${input.error.slice(0, 60)}"${description}. Nothing was changed; start again with Re-authenticate in Slack if you want to retry.`, 'provider_error_param', { error: input.error.slice(0, 60) });
  }
  if (!input.code) return fail(400, 'No authorization code', `${provider} sent no authorization code. Nothing was changed; start again from Slack.`, 'missing_code');
  const endpoints = oauthEndpoints(deps.config, integration.provider as ProviderKey);
  if (!endpoints) return fail(503, 'Sign-in is not set up', `An admin must set ${oauthSetupHint(integration.provider as ProviderKey)}. Nothing was changed.`, 'not_configured');

  const exchange = await exchangeCode(deps.http, endpoints, { code: input.code, redirectUri: input.redirectUri, codeVerifier: consumed.codeVerifier }, now);
  if (!exchange.ok) return fail(502, 'Sign-in failed', `${exchange.outcome.reason} Nothing was changed.`, exchange.outcome.kind);

  const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
  const outcome = await validateToken(ctx, { token: exchange.tokens.accessToken });
  const fingerprint = fingerprintSecret(exchange.tokens.refreshToken ?? exchange.tokens.accessToken);
  if (outcome.kind !== 'valid') return fail(502, 'The new access does not work', `${outcome.reason}`, outcome.kind, { reason: outcome.reason });

  const validation = { outcome, tokens: [{ position: 1, fingerprint, outcome }] };
  const committed = commitCredential(deps, {
    integration,
    actor: consumed.slackUserId,
    payload: {
      kind: 'oauth',
      accessToken: exchange.tokens.accessToken,
      refreshToken: exchange.tokens.refreshToken,
      accessExpiresAt: exchange.tokens.accessExpiresAt.getTime(),
      refreshExpiresAt: exchange.tokens.refreshExpiresAt?.getTime() ?? null,
    },
    validation,
    how: 'oauth',
    expiresAt: exchange.tokens.refreshExpiresAt,
  });
  const also = committed.affected.length > 1 ? ` It also serves ${committed.affected.filter((a) => a.id !== integration.id).map((a) => a.name).join(', ')}.` : '';
  return {
    status: 200,
    page: { title: `${integration.name} is re-authenticated`, message: `${outcome.reason}${also} The result is posted in Slack.`, ok: true },
    success: { integration, affected: committed.affected, validation, userId: consumed.slackUserId },
  };
}
