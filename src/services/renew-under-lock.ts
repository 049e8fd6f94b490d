import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Credential } from '../domain/types.js';
import type { Outcome } from '../providers/outcome.js';
import type { CredentialCommitService, RenewHow } from './credential-commit.js';
import { keepAnswer } from './keep-answer.js';
import { unsealPayload, type SecretPayload } from './secret-payload.js';

/**
 * A renewal's result — an OAuth refresh, or a machine identity's mint. `grantSent`: the request reached
 * the provider and failed (callers report that to health). `retryAt`: no replica sends another before then.
 * `replaced`: the credential changed while the renewal waited for its lock.
 */
export type RenewalResult<P extends SecretPayload> =
  | { ok: true; payload: P; refreshed: boolean; credential: Credential }
  | { ok: false; outcome: Outcome; grantSent: boolean; retryAt: Date | null; replaced?: boolean };

/** One way of renewing an access token, as the shared skeleton needs it. */
export interface Renewal<P extends SecretPayload> {
  kind: P['kind'];
  how: RenewHow;
  /** In messages: "OAuth refresh", "mint". */
  noun: string;
  /** Still wanted for this payload (due, or a refused token still held)? Asked before and under the lock. */
  wanted(held: P): boolean;
  /** Asks the provider; `sent`: whether the request reached it (a refusal of nothing sent is not kept). */
  attempt(
    current: Credential,
    held: P,
  ): Promise<
    | { ok: true; next: P; accessExpiresAt: Date; expiresAt?: Date | null }
    | { ok: false; outcome: Outcome; sent: boolean }
  >;
  /** After a failure that reached the provider: how long every replica waits, and the reason kept for them. */
  backoff(outcome: Outcome, current: Credential): { waitMs: number; reason: string };
}

export interface RenewUnderLockDeps {
  store: Pick<Store, 'credentials' | 'withCredentialLock'>;
  keyring: Keyring;
  clock: Clock;
  /** The one commit path's renewal: the new token sealed as a new version, delivered to the sinks. */
  renew: CredentialCommitService['renew'];
}

/** A kept failure's reason, without the attempt count a back-off may carry in front of it ("[2] …"). */
export const keptReason = (reason: string | null): string => (reason ?? 'no reason given').replace(/^\[\d+\] /, '');

/**
 * The skeleton every renewal of an access token shares: under the credential's lock — across replicas and
 * the CLI — it re-reads the credential, uses what another process renewed meanwhile, honours a back-off
 * every replica shares, asks the provider once, keeps a failure for the others, and seals a new token
 * through the one commit path, kept through a database restart (the provider may have spent what it was
 * asked with).
 */
export function renewUnderLock<P extends SecretPayload>(
  deps: RenewUnderLockDeps,
  credential: Credential,
  held: P,
  renewal: Renewal<P>,
): Promise<RenewalResult<P>> {
  if (!renewal.wanted(held)) return Promise.resolve({ ok: true, payload: held, refreshed: false, credential });
  return deps.store.withCredentialLock(credential.credentialKey, async (lost): Promise<RenewalResult<P>> => {
    const current = await deps.store.credentials.current(credential.credentialKey);
    const payload =
      current?.sealedSecret && current.id === credential.id
        ? unsealPayload(deps.keyring, current, current.sealedSecret)
        : undefined;
    if (!current || payload?.kind !== renewal.kind)
      return {
        ok: false,
        grantSent: false,
        retryAt: null,
        replaced: true,
        outcome: {
          kind: 'provider_error',
          status: null,
          reason: `The credential was replaced while its ${renewal.noun} waited; the new one is used from now on.`,
        },
      };
    const currentPayload = payload as P;
    // Another pull, probe or replica renewed it while this one waited for the lock.
    if (!renewal.wanted(currentPayload))
      return { ok: true, payload: currentPayload, refreshed: false, credential: current };
    const now = deps.clock.now();
    if (current.refreshRetryAt && current.refreshRetryAt.getTime() > now.getTime())
      return {
        ok: false,
        grantSent: false,
        retryAt: current.refreshRetryAt,
        outcome: {
          kind: 'provider_error',
          status: null,
          reason: `The last ${renewal.noun} failed (${keptReason(current.refreshError)}); Reauth tries again after ${current.refreshRetryAt.toISOString()}.`,
        },
      };
    // A lock lost with its database connection: another replica may renew now; never two at once.
    lost.throwIfAborted();
    const result = await renewal.attempt(current, currentPayload);
    if (!result.ok) {
      if (!result.sent) return { ok: false, outcome: result.outcome, grantSent: false, retryAt: null };
      const { waitMs, reason } = renewal.backoff(result.outcome, current);
      const retryAt = new Date(deps.clock.now().getTime() + waitMs);
      await deps.store.credentials.refreshFailed(current.id, { retryAt, reason });
      return { ok: false, outcome: result.outcome, grantSent: true, retryAt };
    }
    const updated = await keepAnswer(() =>
      deps.renew({
        credential: current,
        payload: result.next,
        how: renewal.how,
        accessExpiresAt: result.accessExpiresAt,
        ...(result.expiresAt === undefined ? {} : { expiresAt: result.expiresAt }),
      }),
    );
    return { ok: true, payload: result.next, refreshed: true, credential: updated ?? current };
  });
}
