import type { Credential } from '../domain/types.js';
import type { ProbeSubject } from './probe-subject.js';
import {
  createMinter,
  mintIsDue,
  REFUSED_MINT_BACKOFF_MS,
  type MachinePayload,
  type MinterDeps,
} from './machine-mint.js';
import {
  createOAuthRefresher,
  refreshIsDue,
  type OAuthPayload,
  type OAuthRefreshDeps,
  type RefreshResult,
} from './oauth-refresh.js';

/** A credential whose access token Reauth renews itself: an OAuth one (refreshed), a machine identity's (minted). */
export type RenewablePayload = OAuthPayload | MachinePayload;

export type RenewResult = RefreshResult<OAuthPayload> | RefreshResult<MachinePayload>;

/**
 * The short-lived access tokens Reauth keeps valid, whichever way each is renewed: the pull API, the
 * probe and the delivery ahead of expiry ask here, and an OAuth token is refreshed while a machine
 * identity's is minted — each under the credential's lock, each a new version through the one commit path.
 */
export function createAccessTokens(deps: OAuthRefreshDeps & MinterDeps) {
  const refresh = createOAuthRefresher(deps);
  const mint = createMinter(deps);
  return {
    /** The OAuth refresh alone (the replica crash test drives it). */
    refresh,
    isDue: (payload: RenewablePayload, now: Date): boolean =>
      payload.kind === 'oauth' ? refreshIsDue(payload, now) : mintIsDue(payload, now),
    renewIfDue(subject: ProbeSubject, credential: Credential, payload: RenewablePayload): Promise<RenewResult> {
      return payload.kind === 'oauth' ? refresh(subject, credential, payload) : mint(subject, credential, payload);
    },
    /**
     * A machine identity's token the provider refused before its end (revoked, or the App's permissions
     * changed): a new one is minted from the root secret — once, whoever asks — rather than alerting.
     */
    replaceRefused(
      subject: ProbeSubject,
      credential: Credential,
      payload: MachinePayload,
    ): Promise<RefreshResult<MachinePayload>> {
      return mint(subject, credential, payload, { replacing: payload.accessToken });
    },
    /**
     * A replacement the provider refused too: the root secret mints tokens that do not work (a service
     * principal removed from the organization, an App uninstalled from the repository). No replica mints
     * again for as long as a refused mint waits — not one new version per probe while it fails.
     */
    holdReplacements(credential: Credential, reason: string): Promise<void> {
      return deps.store.credentials.refreshFailed(credential.id, {
        retryAt: new Date(deps.clock.now().getTime() + REFUSED_MINT_BACKOFF_MS),
        reason,
      });
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;
