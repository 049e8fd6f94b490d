import type { CredentialCommit, Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { fingerprintOf } from '../domain/credential.js';
import { bindingOf } from '../domain/integration.js';
import type { KeyedLock } from '../keyed-lock.js';
import type { Credential, Integration } from '../domain/types.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { earliestExpiry, type CredentialValidation, type ValidOutcome } from '../providers/outcome.js';
import { describeAccount, storedIdentity, type PendingAccounts } from '../domain/accounts.js';
import { documentExpiresAt } from './delivery/credential-document.js';
import type { OutboxPlanner } from './delivery/outbox.js';
import type { InFlight } from './in-flight.js';
import { sealPayload, type SecretPayload } from './secret-payload.js';

/** How a credential came in: typed in the modal or on the one-time page, signed in with OAuth, or renewed by Reauth. */
export type CommitHow = 'modal' | 'web' | 'oauth' | 'rotation';

/**
 * How Reauth renewed the secret of a credential in place (the same credential, a new version): an OAuth
 * access token refreshed with its refresh token, or an access token minted from a machine identity's
 * root secret.
 */
export type RenewHow = 'oauth_refresh' | 'mint';

export interface RenewParams {
  /** The current credential, read under its lock by the caller (who still holds it). */
  credential: Credential;
  payload: SecretPayload;
  how: RenewHow;
  /** When the new access token expires: told to the sinks. */
  accessExpiresAt: Date;
  /** The credential's own expiry, where it changed (an OAuth refresh token's); undefined leaves it. */
  expiresAt?: Date | null;
}

export interface CommitParams {
  integration: Integration;
  actor: string;
  payload: SecretPayload;
  validation: CredentialValidation & { outcome: ValidOutcome };
  /** `rotation`: Reauth renewed it itself (actor `reauth`, audited as `credential.rotate`). */
  how: CommitHow;
  /** A confirmed hand-over to another account: both sides, for the audit entry. */
  handover?: PendingAccounts;
  expiresAt?: Date | null;
  /** A rotation's attempt to close and the previous token to revoke, in the same transaction. */
  rotation?: NonNullable<CredentialCommit['rotation']>;
  /** A rotation's notice: what became of the previous token. */
  previousNote?: string;
  /** The credential this change was decided against (null: none): the commit is refused if another one is in place by then. */
  expectedCurrentId?: number | null;
  /** The provider-side name of a token Reauth generated (a SonarQube rotation). */
  tokenName?: string | null;
  /** The caller holds the credential's lock already (a rotation runs under it from start to commit). */
  locked?: boolean;
  /** A credential seeded before the app starts (the sandbox's demo ones): nobody is told in Slack. */
  silent?: boolean;
}

export interface Committed {
  credential: Credential;
  affected: Integration[];
  previousFingerprints: string[];
}

/** A credential change that committed: what its consequences (the alert, the notices) are told. */
export interface CommittedChange extends Committed {
  integration: Integration;
  actor: string;
  how: CommitHow;
  validation: CredentialValidation & { outcome: ValidOutcome };
  expiresAt: Date | null;
  previousNote?: string;
}

export interface CredentialCommitDeps {
  store: Pick<Store, 'integrations' | 'credentials'>;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
  /** The store's per-credential lock (across replicas on PostgreSQL). */
  credentialLock: KeyedLock;
  metrics?: Pick<Metrics, 'reauthentications'>;
  /** Queues the new version for the integrations' sinks, in the same transaction as the swap. */
  outbox?: Pick<OutboxPlanner, 'forCredential'>;
  /** Told after a commit that queued deliveries, so they go out now rather than at the next tick. */
  kickDeliveries?: () => void;
  /**
   * The consequences of every committed change — the alert resolved in place, the channel's
   * confirmation or rotation notice, the delivery lines kept current — run after the commit, tracked so
   * a graceful stop waits for them; a failure is logged, never undoes the commit.
   */
  onCommitted?: (change: CommittedChange) => Promise<void>;
  inflight?: Pick<InFlight, 'track'>;
}

/** Both accounts of a hand-over, as the audit log names them. */
export const handoverDetail = (accounts: PendingAccounts) => ({
  previous_accounts: accounts.current.map(describeAccount),
  new_accounts: accounts.next.map(describeAccount),
});

/**
 * The one way a credential changes — a re-authentication (modal, page, OAuth), a confirmed hand-over, a
 * rotation: sealed, swapped in under the credential's lock and fenced on what it replaces, in one
 * transaction with the health of every integration it serves, the audit entry and the outbox rows — then
 * its consequences, through `onCommitted`, whichever way it came in.
 */
export function createCredentialCommit(deps: CredentialCommitDeps) {
  /** Runs a committed change's consequences in the background (the caller answers its person meanwhile). */
  function committed(change: CommittedChange): void {
    if (!deps.onCommitted) return;
    const work = deps
      .onCommitted(change)
      .catch((error: unknown) =>
        deps.logger.warn(
          { event: 'commit_consequences_failed', integration: change.integration.id, error: (error as Error).message },
          'the credential was changed, but telling Slack about it failed',
        ),
      );
    deps.inflight?.track(work);
  }

  async function commit(params: CommitParams): Promise<Committed> {
    const now = deps.clock.now();
    const { integration, validation } = params;
    const fingerprints = validation.tokens.map((t) => t.fingerprint);
    const binding = bindingOf(integration);
    const sealed = sealPayload(deps.keyring, { credentialKey: integration.credentialKey, binding }, params.payload);
    const expiresAt = params.expiresAt === undefined ? earliestExpiry(validation.tokens) : params.expiresAt;
    const identity =
      validation.outcome.identity.name ?? validation.outcome.identity.username ?? validation.outcome.identity.id;
    const served = deps.outbox ? await deps.store.integrations.listByCredentialKey(integration.credentialKey) : [];
    const rotated = params.how === 'rotation';
    const outbox = deps.outbox?.forCredential(integration.credentialKey, served, params.payload, {
      fingerprint: fingerprints.join(','),
      actor: params.actor,
      // The event's `how` names the kind of change (reauthentication, oauth_refresh, rotation); `via` how it was entered.
      how: rotated ? 'rotation' : 'reauthentication',
      ...(rotated ? {} : { via: params.how }),
      identity: identity ?? null,
      expires_at: documentExpiresAt(expiresAt, params.payload),
    });
    const swap = () =>
      deps.store.credentials.commit(
        {
          ...(outbox ? { outbox } : {}),
          ...(params.rotation ? { rotation: params.rotation } : {}),
          ...(params.expectedCurrentId === undefined ? {} : { expectedCurrentId: params.expectedCurrentId }),
          credential: {
            credentialKey: integration.credentialKey,
            provider: integration.provider,
            authType: integration.authType,
            sealedSecret: sealed.value,
            keyId: sealed.keyId,
            binding,
            fingerprints,
            identity: storedIdentity(validation),
            scopes: validation.outcome.scopes,
            expiresAt,
            tokenName: params.tokenName ?? null,
            createdBy: params.actor,
            createdAt: now,
          },
          health: {
            status: 'healthy',
            outcome: 'valid',
            reason: rotated ? 'Rotated automatically.' : `Re-authenticated by <@${params.actor}>.`,
            since: now,
            lastCheckedAt: now,
            lastSuccessAt: now,
            consecutiveFailures: 0,
            firstFailureAt: null,
            nextProbeAt: null,
          },
          audit: {
            actor: params.actor,
            integrationId: integration.id,
            action: rotated ? 'credential.rotate' : `reauth.${params.how}`,
            outcome: 'success',
            fingerprint: fingerprints.join(','),
            detail: {
              identity,
              ...(rotated && expiresAt ? { expires_at: expiresAt.toISOString() } : {}),
              ...(params.handover ? handoverDetail(params.handover) : {}),
            },
          },
        },
        now,
      );
    const stored = params.locked ? await swap() : await deps.credentialLock(integration.credentialKey, swap);
    if (outbox) deps.kickDeliveries?.();
    if (!rotated) deps.metrics?.reauthentications.inc({ provider: integration.provider, outcome: 'success' });
    deps.logger.info(
      {
        event: rotated ? 'credential_rotated' : 'reauth_succeeded',
        integration: integration.id,
        actor: params.actor,
        how: params.how,
        fingerprints,
      },
      rotated ? 'credential rotated automatically' : 're-authentication succeeded',
    );
    const result: Committed = {
      credential: stored.credential,
      affected: stored.affected,
      previousFingerprints: stored.previous?.fingerprints ?? [],
    };
    if (!params.silent)
      committed({
        ...result,
        integration,
        actor: params.actor,
        how: params.how,
        validation,
        expiresAt,
        ...(params.previousNote === undefined ? {} : { previousNote: params.previousNote }),
      });
    return result;
  }

  /**
   * A new secret for the credential in place — a new version, delivered to every sink, audited by the
   * version's `how` — under the lock its caller holds; nobody is told in Slack (nothing a person did).
   * Undefined when the credential was replaced meanwhile.
   */
  async function renew(params: RenewParams): Promise<Credential | undefined> {
    const { credential, payload } = params;
    const served = deps.outbox ? await deps.store.integrations.listByCredentialKey(credential.credentialKey) : [];
    const outbox = deps.outbox?.forCredential(credential.credentialKey, served, payload, {
      fingerprint: fingerprintOf(credential),
      actor: 'reauth',
      how: params.how,
      identity: credential.identity,
      expires_at: params.accessExpiresAt.toISOString(),
    });
    const updated = await deps.store.credentials.updateSealedSecret(
      credential.id,
      sealPayload(deps.keyring, credential, payload),
      params.expiresAt,
      outbox,
    );
    if (updated && outbox) deps.kickDeliveries?.();
    return updated;
  }

  return {
    commit,
    renew,
    /**
     * A change this process committed whose answer it never saw (the connection broke after COMMIT, and
     * the caller found its credential in place): its consequences still follow.
     */
    committedElsewhere: committed,
  };
}

export type CredentialCommitService = ReturnType<typeof createCredentialCommit>;
