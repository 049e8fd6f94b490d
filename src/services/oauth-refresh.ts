import { fingerprintOf } from '../domain/credential.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Credential } from '../domain/types.js';
import type { HttpClient } from '../providers/http.js';
import { refreshAccessToken, type OAuthEndpoints } from '../providers/oauth.js';
import type { Outcome } from '../providers/outcome.js';
import type { ProviderKey } from '../providers/types.js';
import type { OutboxPlanner } from './delivery/outbox.js';
import { sealPayload, type SecretPayload } from './secret-payload.js';

export type OAuthPayload = Extract<SecretPayload, { kind: 'oauth' }>;

/** Refresh an OAuth access token this long before it expires. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export interface OAuthRefreshDeps {
  store: Pick<Store, 'credentials' | 'integrations'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  /** The configured OAuth client of a provider, if any. */
  oauthEndpointsOf: (provider: ProviderKey) => OAuthEndpoints | undefined;
  /** Names the variables that enable a provider's OAuth, for messages. */
  oauthSetupHintOf: (provider: ProviderKey) => string;
  /** Queues the refreshed token for the integrations' sinks, in the same transaction. */
  outbox?: Pick<OutboxPlanner, 'forCredential'>;
}


export type RefreshResult = { ok: true; payload: OAuthPayload; refreshed: boolean; credential: Credential } | { ok: false; outcome: Outcome };

export const refreshIsDue = (payload: OAuthPayload, now: Date): boolean => payload.accessExpiresAt - REFRESH_MARGIN_MS <= now.getTime();

/**
 * Refreshes an OAuth access token that expires within 5 minutes, with the probe, the pull API and
 * Check now sharing this one path. With `persist`, the new tokens are sealed back (only while the
 * credential is still current: a refresh that finishes after a re-authentication never revives the
 * retired one), the version grows and the integrations' sinks get it. Callers hold the credential lock.
 */
export function createOAuthRefresher(deps: OAuthRefreshDeps) {
  return async function refreshIfDue(subject: { id: string; provider: ProviderKey }, credential: Credential, payload: OAuthPayload, options: { persist: boolean }): Promise<RefreshResult> {
    const now = deps.clock.now();
    if (!refreshIsDue(payload, now)) return { ok: true, payload, refreshed: false, credential };
    const endpoints = deps.oauthEndpointsOf(subject.provider);
    if (!endpoints) return { ok: false, outcome: { kind: 'provider_error', status: null, reason: `The OAuth access token expired and cannot be refreshed: ${deps.oauthSetupHintOf(subject.provider)} are not set.` } };
    if (!payload.refreshToken) return { ok: false, outcome: { kind: 'invalid_credentials', reason: `The OAuth access token expired and there is no refresh token; re-authenticate with /reauth ${subject.id}.` } };
    const refreshed = await refreshAccessToken(deps.http, endpoints, payload.refreshToken, now);
    if (!refreshed.ok) return { ok: false, outcome: refreshed.outcome };
    const next: OAuthPayload = {
      kind: 'oauth',
      accessToken: refreshed.tokens.accessToken,
      refreshToken: refreshed.tokens.refreshToken ?? payload.refreshToken,
      accessExpiresAt: refreshed.tokens.accessExpiresAt.getTime(),
      refreshExpiresAt: refreshed.tokens.refreshExpiresAt?.getTime() ?? payload.refreshExpiresAt,
    };
    if (!options.persist) return { ok: true, payload: next, refreshed: true, credential };
    const served = deps.outbox ? await deps.store.integrations.listByCredentialKey(credential.credentialKey) : [];
    const outbox = deps.outbox?.forCredential(credential.credentialKey, served, next, {
      fingerprint: fingerprintOf(credential),
      actor: 'reauth',
      how: 'oauth_refresh',
      identity: credential.identity,
      expires_at: new Date(next.accessExpiresAt).toISOString(),
    });
    const updated = await deps.store.credentials.updateSealedSecret(credential.id, sealPayload(deps.keyring, credential, next), next.refreshExpiresAt === null ? null : new Date(next.refreshExpiresAt), outbox);
    return { ok: true, payload: next, refreshed: true, credential: updated ?? credential };
  };
}

export type OAuthRefresher = ReturnType<typeof createOAuthRefresher>;
