import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Credential } from '../domain/types.js';
import type { HttpClient } from '../providers/http.js';
import { refreshAccessToken, type OAuthEndpoints } from '../providers/oauth.js';
import type { Outcome } from '../providers/outcome.js';
import type { ProviderKey } from '../providers/types.js';
import type { CredentialCommitService } from './credential-commit.js';
import { REJECTED_REPROBE_MS } from './health.js';
import type { SecretPayload } from './secret-payload.js';
import { renewUnderLock, type RenewalResult } from './renew-under-lock.js';

export type OAuthPayload = Extract<SecretPayload, { kind: 'oauth' }>;

/** Refresh an OAuth access token this long before it expires. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export interface OAuthRefreshDeps {
  store: Pick<Store, 'credentials' | 'integrations' | 'withCredentialLock'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  /** The configured OAuth client of a provider, if any. */
  oauthEndpointsOf: (provider: ProviderKey) => OAuthEndpoints | undefined;
  /** Names the variables that enable a provider's OAuth, for messages. */
  oauthSetupHintOf: (provider: ProviderKey) => string;
  /** The one commit path's renewal: the refreshed tokens sealed back as a new version, delivered to the sinks. */
  renew: CredentialCommitService['renew'];
}

/** An OAuth refresh's result (see RenewalResult). */
export type RefreshResult<P extends SecretPayload = OAuthPayload> = RenewalResult<P>;

export const refreshIsDue = (payload: OAuthPayload, now: Date): boolean =>
  payload.accessExpiresAt - REFRESH_MARGIN_MS <= now.getTime();

/** After a refresh the provider refused (invalid_grant): as long as a rejected credential waits before its next probe. */
export const REFUSED_REFRESH_BACKOFF_MS = REJECTED_REPROBE_MS;
/** After a refresh that failed for another reason (provider down, slow, rate limited). */
export const FAILED_REFRESH_BACKOFF_MS = 60_000;

/**
 * Refreshes an OAuth access token that expires within 5 minutes, with the probe, the pull API,
 * Check now and `reauth-bot check` sharing this one path. It runs under the credential's lock — across
 * replicas and the CLI — and re-reads the credential once the lock is held: a refresh another
 * replica made meanwhile is used instead of sending a second grant (a single-use refresh token would
 * turn that into invalid_grant). The new tokens are sealed back only while the credential is still
 * current, the version grows and the integrations' sinks get it. A failed grant backs every replica
 * off (30 minutes after a refusal, a minute otherwise) instead of being retried on every pull.
 */
export function createOAuthRefresher(deps: OAuthRefreshDeps) {
  async function grant(
    subject: { id: string; provider: ProviderKey },
    payload: OAuthPayload,
  ): Promise<{ ok: true; next: OAuthPayload } | { ok: false; outcome: Outcome; sent: boolean }> {
    const endpoints = deps.oauthEndpointsOf(subject.provider);
    if (!endpoints)
      return {
        ok: false,
        sent: false,
        outcome: {
          kind: 'provider_error',
          status: null,
          reason: `The OAuth access token expired and cannot be refreshed: ${deps.oauthSetupHintOf(subject.provider)} are not set.`,
        },
      };
    if (!payload.refreshToken)
      return {
        ok: false,
        sent: false,
        outcome: {
          kind: 'invalid_credentials',
          reason: `The OAuth access token expired and there is no refresh token; re-authenticate with /reauth ${subject.id}.`,
        },
      };
    const refreshed = await refreshAccessToken(deps.http, endpoints, payload.refreshToken, deps.clock.now());
    if (!refreshed.ok) return { ok: false, sent: true, outcome: refreshed.outcome };
    return {
      ok: true,
      next: {
        kind: 'oauth',
        accessToken: refreshed.tokens.accessToken,
        refreshToken: refreshed.tokens.refreshToken ?? payload.refreshToken,
        accessExpiresAt: refreshed.tokens.accessExpiresAt.getTime(),
        refreshExpiresAt: refreshed.tokens.refreshExpiresAt?.getTime() ?? payload.refreshExpiresAt,
      },
    };
  }

  return function refreshIfDue(
    subject: { id: string; provider: ProviderKey },
    credential: Credential,
    payload: OAuthPayload,
  ): Promise<RefreshResult> {
    // Always under the lock and always kept: a provider spends the refresh token in the grant.
    return renewUnderLock(deps, credential, payload, {
      kind: 'oauth',
      how: 'oauth_refresh',
      noun: 'OAuth refresh',
      wanted: (held) => refreshIsDue(held, deps.clock.now()),
      async attempt(_current, held) {
        const result = await grant(subject, held);
        if (!result.ok) return result;
        return {
          ok: true,
          next: result.next,
          accessExpiresAt: new Date(result.next.accessExpiresAt),
          expiresAt: result.next.refreshExpiresAt === null ? null : new Date(result.next.refreshExpiresAt),
        };
      },
      backoff: (outcome) => ({
        waitMs: outcome.kind === 'invalid_credentials' ? REFUSED_REFRESH_BACKOFF_MS : FAILED_REFRESH_BACKOFF_MS,
        reason: outcome.reason,
      }),
    });
  };
}

export type OAuthRefresher = ReturnType<typeof createOAuthRefresher>;
