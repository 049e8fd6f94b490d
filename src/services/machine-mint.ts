import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Credential } from '../domain/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { HttpClient } from '../providers/http.js';
import { mintAccessToken } from '../providers/machine/validate.js';
import type { MachineEndpoints } from '../providers/machine/settings.js';
import type { MintedToken } from '../providers/machine/types.js';
import { isRejection } from '../providers/outcome.js';
import { createValidationContext } from '../providers/validate.js';
import type { CredentialCommitService } from './credential-commit.js';
import { REJECTED_REPROBE_MS } from './health.js';
import type { RefreshResult } from './oauth-refresh.js';
import { targetOf, type ProbeSubject } from './probe-subject.js';
import type { SecretPayload } from './secret-payload.js';
import { renewUnderLock } from './renew-under-lock.js';

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

/** What a validated root secret is sealed as: the secret, the token minted to prove it, and what was found with it. */
export function enteredMachinePayload(
  root: MachinePayload['root'],
  checked: { minted: MintedToken; cloudId?: string },
  issuedAt: Date,
): MachinePayload {
  return {
    kind: 'machine',
    root,
    accessToken: checked.minted.token,
    accessIssuedAt: issuedAt.getTime(),
    accessExpiresAt: checked.minted.expiresAt.getTime(),
    ...(checked.cloudId ? { cloudId: checked.cloudId } : {}),
  };
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
  /** Token endpoints of machine identities that the configuration places (BITBUCKET_OAUTH_URL). */
  machineEndpoints?: MachineEndpoints;
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

  return function mintIfDue(
    subject: ProbeSubject,
    credential: Credential,
    payload: MachinePayload,
    options: MintOptions = {},
  ): Promise<RefreshResult<MachinePayload>> {
    return renewUnderLock(deps, credential, payload, {
      kind: 'machine',
      how: 'mint',
      noun: 'mint',
      // Due by the clock, or the provider refused the very token the caller holds (unless another was minted since).
      wanted: (held) =>
        mintIsDue(held, deps.clock.now()) ||
        (options.replacing !== undefined && held.accessToken === options.replacing),
      async attempt(_current, held) {
        const issuedAt = deps.clock.now().getTime();
        const ctx = createValidationContext(targetOf(subject), deps.http, () => deps.clock.now());
        const result = await mintAccessToken(ctx, subject.machine, held.root, deps.machineEndpoints);
        count(subject, result.ok ? 'minted' : result.outcome.kind);
        if (!result.ok) return { ok: false, outcome: result.outcome, sent: true };
        return {
          ok: true,
          next: {
            ...held,
            accessToken: result.minted.token,
            accessIssuedAt: issuedAt,
            accessExpiresAt: result.minted.expiresAt.getTime(),
          },
          accessExpiresAt: result.minted.expiresAt,
        };
      },
      backoff(outcome, current) {
        const refused = isRejection(outcome.kind);
        // A transient failure's count rides in front of its kept reason: each one waits twice as long.
        const streak = refused ? 0 : Number(current.refreshError?.match(/^\[(\d+)\]/)?.[1] ?? '0') + 1;
        const waitMs = refused
          ? REFUSED_MINT_BACKOFF_MS
          : Math.min(FAILED_MINT_BACKOFF_MAX_MS, FAILED_MINT_BACKOFF_MS * 2 ** (streak - 1));
        deps.logger.warn(
          { event: 'mint_failed', integration: subject.id, outcome: outcome.kind, retry_in_ms: waitMs },
          'minting an access token failed',
        );
        return { waitMs, reason: refused ? outcome.reason : `[${streak}] ${outcome.reason}` };
      },
    });
  };
}

export type Minter = ReturnType<typeof createMinter>;
