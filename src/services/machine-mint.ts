import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Credential } from '../domain/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { HttpClient } from '../providers/http.js';
import { mintAccessToken } from '../providers/machine/validate.js';
import { isRejection } from '../providers/outcome.js';
import { createValidationContext } from '../providers/validate.js';
import type { CredentialCommitService } from './credential-commit.js';
import { REJECTED_REPROBE_MS } from './health.js';
import { keepAnswer } from './keep-answer.js';
import type { RefreshResult } from './oauth-refresh.js';
import { targetOf, type ProbeSubject } from './probe-subject.js';
import { unsealPayload, type SecretPayload } from './secret-payload.js';

export type MachinePayload = Extract<SecretPayload, { kind: 'machine' }>;

/** A new access token is minted with at most this long left (SPEC §12: a third of its life, or 5 minutes, whichever is less). */
export const MINT_MARGIN_MS = 5 * 60 * 1000;
/** After a mint the provider refused (the root secret itself): as long as a rejected credential waits before its next probe. */
export const REFUSED_MINT_BACKOFF_MS = REJECTED_REPROBE_MS;
/** After a mint that failed for another reason (down, slow, rate limited): tried again this soon, then twice as late, up to 5 minutes. */
export const FAILED_MINT_BACKOFF_MS = 15_000;
const FAILED_MINT_BACKOFF_MAX_MS = 5 * 60 * 1000;

/** How long before its end the held token is replaced: a third of its life, or 5 minutes, whichever is less. */
export function mintMarginMs(payload: Pick<MachinePayload, 'accessIssuedAt' | 'accessExpiresAt'>): number {
  return Math.min(MINT_MARGIN_MS, Math.max(0, payload.accessExpiresAt - payload.accessIssuedAt) / 3);
}

export const mintIsDue = (payload: MachinePayload, now: Date): boolean =>
  payload.accessExpiresAt - mintMarginMs(payload) <= now.getTime();

export interface MintOptions {
  /** The access token the provider just refused: a new one is minted even if this one is not due. */
  replacing?: string;
}

export interface MinterDeps {
  store: Pick<Store, 'credentials' | 'withCredentialLock'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  /** The one commit path's renewal: the minted token sealed as a new version, delivered to the sinks. */
  renew: CredentialCommitService['renew'];
  metrics?: Pick<Metrics, 'tokensMinted'>;
}

/**
 * Mints a machine identity's access token when the one held is due (SPEC §12), for the pull API, the
 * delivery ahead of expiry and the probe alike: under the credential's lock — across replicas and the
 * CLI — re-reading the credential once it holds it, so fifty pulls at once make one token request and a
 * token another replica minted meanwhile is used. Each new token is a new version through the one commit
 * path (`how: mint`, actor `reauth`, no Slack message). A refused mint backs every replica off for 30
 * minutes (the integration fails and its alert asks for a new root secret); a transient one for 15 s,
 * doubling, while the token held still serves.
 */
export function createMinter(deps: MinterDeps) {
  const count = (subject: Pick<ProbeSubject, 'provider'>, outcome: string) =>
    deps.metrics?.tokensMinted.inc({ provider: subject.provider, outcome });

  return async function mintIfDue(
    subject: ProbeSubject,
    credential: Credential,
    payload: MachinePayload,
    options: MintOptions = {},
  ): Promise<RefreshResult<MachinePayload>> {
    /** Due by the clock, or the provider refused the very token the caller holds (replaced unless another was minted since). */
    const wanted = (held: MachinePayload) =>
      mintIsDue(held, deps.clock.now()) || (options.replacing !== undefined && held.accessToken === options.replacing);
    if (!wanted(payload)) return { ok: true, payload, refreshed: false, credential };
    return deps.store.withCredentialLock(
      credential.credentialKey,
      async (lost): Promise<RefreshResult<MachinePayload>> => {
        const current = await deps.store.credentials.current(credential.credentialKey);
        const currentPayload =
          current?.sealedSecret && current.id === credential.id
            ? unsealPayload(deps.keyring, current, current.sealedSecret)
            : undefined;
        if (!current || currentPayload?.kind !== 'machine')
          return {
            ok: false,
            grantSent: false,
            retryAt: null,
            replaced: true,
            outcome: {
              kind: 'provider_error',
              status: null,
              reason: 'The credential was replaced while its mint waited; the new one is used from now on.',
            },
          };
        const now = deps.clock.now();
        // Another pull, probe or replica minted while this one waited for the lock.
        if (!wanted(currentPayload))
          return { ok: true, payload: currentPayload, refreshed: false, credential: current };
        if (current.refreshRetryAt && current.refreshRetryAt.getTime() > now.getTime()) {
          const reason = `The last mint failed (${(current.refreshError ?? 'no reason given').replace(/^\[\d+\] /, '')}); Reauth tries again after ${current.refreshRetryAt.toISOString()}.`;
          return {
            ok: false,
            grantSent: false,
            retryAt: current.refreshRetryAt,
            outcome: { kind: 'provider_error', status: null, reason },
          };
        }
        // A lock lost with its database connection: another replica may mint now; one mint at a time.
        lost.throwIfAborted();
        const ctx = createValidationContext(targetOf(subject), deps.http, () => deps.clock.now());
        const result = await mintAccessToken(ctx, subject.machine, currentPayload.root);
        if (!result.ok) {
          count(subject, result.outcome.kind);
          const refused = isRejection(result.outcome.kind);
          const streak = refused ? 0 : Number(current.refreshError?.match(/^\[(\d+)\]/)?.[1] ?? '0') + 1;
          const waitMs = refused
            ? REFUSED_MINT_BACKOFF_MS
            : Math.min(FAILED_MINT_BACKOFF_MAX_MS, FAILED_MINT_BACKOFF_MS * 2 ** (streak - 1));
          const retryAt = new Date(deps.clock.now().getTime() + waitMs);
          await deps.store.credentials.refreshFailed(current.id, {
            retryAt,
            reason: refused ? result.outcome.reason : `[${streak}] ${result.outcome.reason}`,
          });
          deps.logger.warn(
            {
              event: 'mint_failed',
              integration: subject.id,
              outcome: result.outcome.kind,
              retry_at: retryAt.toISOString(),
            },
            'minting an access token failed',
          );
          return { ok: false, outcome: result.outcome, grantSent: true, retryAt };
        }
        count(subject, 'minted');
        const next: MachinePayload = {
          kind: 'machine',
          root: currentPayload.root,
          accessToken: result.minted.token,
          accessIssuedAt: now.getTime(),
          accessExpiresAt: result.minted.expiresAt.getTime(),
        };
        // The provider issued a token: it is kept through a database restart rather than minted twice.
        const updated = await keepAnswer(() =>
          deps.renew({ credential: current, payload: next, how: 'mint', accessExpiresAt: result.minted.expiresAt }),
        );
        return { ok: true, payload: next, refreshed: true, credential: updated ?? current };
      },
    );
  };
}

export type Minter = ReturnType<typeof createMinter>;
