import type { Keyring } from '../crypto/keyring.js';
import { fingerprintSecret } from '../crypto/fingerprint.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { fingerprintOf } from '../domain/credential.js';
import {
  ROTATION_RETRY_MS,
  rotationDue,
  rotationStandingOf,
  type RotationPolicy,
  type RotationStanding,
} from '../domain/rotation.js';
import type { Credential, Integration, RotationAttempt } from '../domain/types.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { HttpClient } from '../providers/http.js';
import type { Outcome } from '../providers/outcome.js';
import { authSpec, providerSpec } from '../providers/registry.js';
import { callRotation, listTokenNames, revokeByName } from '../providers/rotate.js';
import type { RotationSpec } from '../providers/types.js';
import { createValidationContext, validateCredential } from '../providers/validate.js';
import type { HealthStateMachine } from './health.js';
import { isBoundTo, targetOf } from './probe.js';
import type { ReauthService } from './reauthenticate.js';
import { unsealPayload } from './secret-payload.js';

/** A rotation's result, for the CLI, the probe runner and the announcement. */
export type RotationResult =
  | {
      status: 'rotated';
      credential: Credential;
      previous: Credential;
      affected: Integration[];
      expiresAt: Date | null;
      previousNote: string;
    }
  | { status: 'failed'; reason: string; retryAt: Date }
  | { status: 'not_due' | 'off' | 'no_credential' | 'busy' | 'backing_off'; reason: string };

export interface RotationDeps {
  store: Pick<Store, 'credentials' | 'integrations' | 'rotations' | 'withCredentialLock' | 'deliveries'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  reauth: Pick<ReauthService, 'commit'>;
  /** The integration's `rotate:` policy (from integrations.yml), undefined when it does not rotate. */
  rotateOf: (integrationId: string) => RotationPolicy | undefined;
  /** An interrupted rotation whose previous credential was revoked reaches health and the one alert. */
  health: Pick<HealthStateMachine, 'apply'>;
  metrics?: Pick<Metrics, 'rotations'>;
  /** After a rotation: the announcement in the channel ("rotated automatically") with its sinks. */
  announce?: (result: Extract<RotationResult, { status: 'rotated' }>, integration: Integration) => Promise<void>;
}

/** Tokens Reauth generates are named after their integration, so leftovers can be found by name. */
export const tokenNamePrefix = (integrationId: string): string => `reauth-${integrationId}-`;
/** A previous token Reauth generated is revoked once every sink has its successor, or after this long at most. */
export const REVOKE_AFTER_MS = 60 * 60 * 1000;

const rotationOf = (integration: Pick<Integration, 'provider' | 'authType'>): RotationSpec | undefined =>
  authSpec(integration.provider, integration.authType)?.rotation;
const notDue = (integration: Pick<Integration, 'id'>): string => `${integration.id} is not due for rotation yet.`;
const labelOf = (integration: Pick<Integration, 'provider'>): string => providerSpec(integration.provider).label;

/**
 * Renews credentials through the provider's API (GitLab PATs, SonarQube user tokens), so nobody has to
 * re-authenticate them. A rotation runs under the credential's lock (across replicas and the CLI on
 * PostgreSQL), is recorded before the provider is called, and commits the new credential — validated
 * first — with its audit entry, the health of what it serves, its outbox and the closing of its
 * attempt, in one transaction. A failure leaves the current credential in place and is tried again at
 * most once an hour; an interruption is settled at start-up.
 */
export function createRotationService(deps: RotationDeps) {
  const count = (integration: Pick<Integration, 'provider'>, outcome: string) =>
    deps.metrics?.rotations.inc({ provider: integration.provider, outcome });

  function secretOf(credential: Credential): { identifier: string | undefined; token: string } | undefined {
    if (!credential.sealedSecret) return undefined;
    const payload = unsealPayload(deps.keyring, credential, credential.sealedSecret);
    if (payload.kind !== 'tokens' || payload.tokens.length !== 1) return undefined;
    return { identifier: payload.identifier ?? undefined, token: payload.tokens[0] ?? '' };
  }

  async function fail(
    integration: Integration,
    attempt: RotationAttempt,
    outcome: Pick<Outcome, 'kind' | 'reason'>,
    previousRevoked: boolean,
  ): Promise<RotationResult> {
    const now = deps.clock.now();
    const retryAt = new Date(now.getTime() + ROTATION_RETRY_MS);
    await deps.store.rotations.finish(attempt.id, { outcome: 'failed', reason: outcome.reason, retryAt }, now);
    count(integration, outcome.kind);
    deps.logger.warn(
      {
        event: 'rotation_failed',
        integration: integration.id,
        provider: integration.provider,
        outcome: outcome.kind,
        reason: outcome.reason,
        retryAt,
      },
      'automatic rotation failed; the current credential stays in place',
    );
    if (previousRevoked) {
      // The provider revoked the previous credential and no working one came back: only a person can fix it.
      const served = await deps.store.integrations.listByCredentialKey(integration.credentialKey);
      await deps.health.apply(served, {
        outcome: {
          kind: 'invalid_credentials',
          reason: `Automatic rotation failed after ${labelOf(integration)} revoked the previous token: ${outcome.reason} Re-authenticate with /reauth ${integration.id}.`,
        },
        source: 'probe',
      });
    }
    return { status: 'failed', reason: outcome.reason, retryAt };
  }

  /** Revokes tokens named `reauth-{id}-…` an interrupted rotation left behind (SonarQube lists names). */
  async function cleanLeftovers(
    integration: Integration,
    rotation: RotationSpec,
    secret: { identifier: string | undefined; token: string },
    keep: readonly string[],
  ): Promise<void> {
    const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
    const names = await listTokenNames(ctx, rotation, secret);
    const pending = new Set((await deps.store.rotations.pendingRevocations()).map((r) => r.tokenName));
    for (const name of names ?? []) {
      if (!name.startsWith(tokenNamePrefix(integration.id)) || keep.includes(name) || pending.has(name)) continue;
      const revoked = await revokeByName(ctx, rotation, secret, name);
      deps.logger.info(
        { event: 'rotation_leftover_revoked', integration: integration.id, token: name, ok: revoked.ok },
        'a token an interrupted rotation left behind was revoked',
      );
    }
  }

  async function rotateLocked(
    integration: Integration,
    options: { requestedBy: string; force: boolean },
  ): Promise<RotationResult> {
    const policy = deps.rotateOf(integration.id);
    const rotation = rotationOf(integration);
    if (!policy || !rotation)
      return {
        status: 'off',
        reason: `${integration.id} does not rotate automatically (no rotate: in integrations.yml).`,
      };
    const now = deps.clock.now();
    const current = await deps.store.credentials.current(integration.credentialKey);
    const secret = current && isBoundTo(current, integration) ? secretOf(current) : undefined;
    if (!current || !secret)
      return {
        status: 'no_credential',
        reason: `${integration.id} has no credential Reauth can renew; re-authenticate it with /reauth ${integration.id}.`,
      };
    if (!options.force && !rotationDue(policy, current, now)) return { status: 'not_due', reason: notDue(integration) };
    const latest = (await deps.store.rotations.latest([integration.id])).get(integration.id)?.last;
    if (
      !options.force &&
      latest?.retryAt &&
      latest.retryAt.getTime() > now.getTime() &&
      latest.credentialId === current.id
    ) {
      return {
        status: 'backing_off',
        reason: `The last rotation of ${integration.id} failed (${latest.reason ?? 'no reason given'}); it is tried again after ${latest.retryAt.toISOString()}.`,
      };
    }
    const tokenName = rotation.nameParam
      ? `${tokenNamePrefix(integration.id)}${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}z`
      : null;
    const attempt = await deps.store.rotations.begin({
      integrationId: integration.id,
      credentialKey: integration.credentialKey,
      credentialId: current.id,
      version: current.version,
      provider: integration.provider,
      tokenName,
      requestedBy: options.requestedBy,
      startedAt: now,
    });
    if (!attempt) return { status: 'busy', reason: `${integration.id} is being rotated by another process right now.` };

    const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
    const answer = await callRotation(ctx, rotation, secret, {
      lifetimeDays: policy.lifetimeDays,
      ...(tokenName ? { name: tokenName } : {}),
      now,
    });
    const revokesInCall = rotation.previous.revokedBy === 'provider';
    if (!answer.ok) {
      // An answer lost after the provider acted: with a provider that revokes in the call, see whether the current one still works.
      const revoked =
        answer.uncertain &&
        revokesInCall &&
        (await validateCredential(ctx, { identifier: secret.identifier, tokens: [secret.token] })).outcome.kind ===
          'invalid_credentials';
      return fail(integration, attempt, answer.outcome, revoked);
    }
    const validation = await validateCredential(ctx, { identifier: secret.identifier, tokens: [answer.token] });
    if (validation.outcome.kind !== 'valid') {
      // Never stored. A SonarQube token Reauth just made is revoked again; GitLab has already revoked the previous one.
      if (tokenName) await revokeByName(ctx, rotation, secret, tokenName);
      return fail(
        integration,
        attempt,
        {
          kind: validation.outcome.kind,
          reason: `The new credential ${labelOf(integration)} returned failed validation: ${validation.outcome.reason}`,
        },
        revokesInCall,
      );
    }
    const outcome = validation.outcome;
    const expiresAt = outcome.expiresAt ?? answer.expiresAt;
    const revoke =
      !revokesInCall && current.tokenName
        ? { tokenName: current.tokenName, notAfter: new Date(now.getTime() + REVOKE_AFTER_MS) }
        : undefined;
    const committed = await deps.reauth.commit({
      integration,
      actor: 'reauth',
      payload: { kind: 'tokens', identifier: secret.identifier ?? null, tokens: [answer.token] },
      validation: {
        ...validation,
        outcome,
        tokens: validation.tokens.map((t) => ({ ...t, fingerprint: t.fingerprint || fingerprintSecret(answer.token) })),
      },
      how: 'rotation',
      expiresAt,
      tokenName,
      rotation: { attemptId: attempt.id, ...(revoke ? { revoke } : {}) },
      locked: true,
    });
    count(integration, 'rotated');
    if (rotation.list && tokenName)
      await cleanLeftovers(integration, rotation, { identifier: secret.identifier, token: answer.token }, [
        tokenName,
        ...(current.tokenName ? [current.tokenName] : []),
      ]).catch(() => undefined);
    const previousNote = revokesInCall
      ? `${ctx.provider.label} revoked the previous token (${fingerprintOf(current)}) in the same call.`
      : current.tokenName
        ? `The previous token (${fingerprintOf(current)}, generated by Reauth) is revoked once every sink has the new one, within an hour.`
        : `The previous token (${fingerprintOf(current)}) was entered by a person, so Reauth leaves it alone: it ${current.expiresAt ? `expires on its own on ${current.expiresAt.toISOString().slice(0, 10)}` : 'stays valid until someone revokes it in SonarQube'}.`;
    return {
      status: 'rotated',
      credential: committed.credential,
      previous: current,
      affected: committed.affected,
      expiresAt,
      previousNote,
    };
  }

  async function rotate(
    integration: Integration,
    options: { requestedBy: string; force?: boolean },
  ): Promise<RotationResult> {
    const result = await deps.store.withCredentialLock(integration.credentialKey, () =>
      rotateLocked(integration, { requestedBy: options.requestedBy, force: options.force ?? false }),
    );
    if (result.status === 'rotated')
      await deps
        .announce?.(result, integration)
        .catch((error: unknown) =>
          deps.logger.warn(
            { event: 'rotation_announce_failed', integration: integration.id, error: (error as Error).message },
            'could not announce the rotation in Slack',
          ),
        );
    return result;
  }

  /** Where each integration's rotation stands, for App Home and the expiry warnings. */
  async function standing(integrations: readonly Integration[]): Promise<Map<string, RotationStanding>> {
    const rotating = integrations.filter((i) => deps.rotateOf(i.id) && rotationOf(i));
    const latest = await deps.store.rotations.latest(rotating.map((i) => i.id));
    const result = new Map<string, RotationStanding>();
    for (const integration of rotating) {
      result.set(
        integration.id,
        rotationStandingOf(
          deps.rotateOf(integration.id) as RotationPolicy,
          await deps.store.credentials.current(integration.credentialKey),
          latest.get(integration.id),
        ),
      );
    }
    return result;
  }

  return {
    rotate,
    standing,
    /** For the expiry warnings: undefined when the integrations do not rotate; else whether their rotation failed, and why. */
    async status(integrations: readonly Integration[]): Promise<{ failure: string | undefined } | undefined> {
      const first = (await standing(integrations)).values().next().value;
      return first && { failure: first.failure };
    },
    /** At each probe: rotates when due (and not backing off); never throws into the probe. */
    async rotateIfDue(integration: Integration): Promise<RotationResult | undefined> {
      const policy = deps.rotateOf(integration.id);
      if (!policy || !rotationOf(integration)) return undefined;
      try {
        // Most probes find nothing due: that is answered without taking the credential's lock (on
        // PostgreSQL a connection of its own); rotate() checks again once it holds it.
        const current = await deps.store.credentials.current(integration.credentialKey);
        if (current && !rotationDue(policy, current, deps.clock.now()))
          return { status: 'not_due', reason: notDue(integration) };
        return await rotate(integration, { requestedBy: 'probe' });
      } catch (error) {
        deps.logger.error(
          { event: 'rotation_failed', integration: integration.id, error: (error as Error).message },
          'automatic rotation failed unexpectedly; it is tried again at the next probe',
        );
        return undefined;
      }
    },
    /**
     * Settles attempts whose outcome is unknown (the process died during them), under the credential's
     * lock, so one that another replica is still running is waited for, not settled: if the stored
     * credential still works the attempt is closed; if not (GitLab revoked it and the answer was lost),
     * the integration turns failing and its alert, with Re-authenticate, is posted at once.
     */
    async settleInterrupted(): Promise<number> {
      let settled = 0;
      for (const open of await deps.store.rotations.open()) {
        const integration = await deps.store.integrations.findActive(open.integrationId);
        await deps.store.withCredentialLock(open.credentialKey, async () => {
          if (!(await deps.store.rotations.open()).some((a) => a.id === open.id)) return;
          const now = deps.clock.now();
          const current = await deps.store.credentials.current(open.credentialKey);
          const secret = current && integration && isBoundTo(current, integration) ? secretOf(current) : undefined;
          if (!integration || !current || !secret) {
            await deps.store.rotations.finish(
              open.id,
              {
                outcome: 'interrupted',
                reason: 'interrupted; the credential was replaced or removed since',
                retryAt: null,
              },
              now,
            );
            return;
          }
          const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
          const check = await validateCredential(ctx, { identifier: secret.identifier, tokens: [secret.token] });
          if (check.outcome.kind === 'invalid_credentials') {
            const reason = `An automatic rotation was interrupted after ${labelOf(integration)} revoked the previous token, and its answer was lost. Re-authenticate with /reauth ${integration.id}.`;
            await deps.store.rotations.finish(open.id, { outcome: 'interrupted_revoked', reason, retryAt: null }, now);
            await deps.health.apply(await deps.store.integrations.listByCredentialKey(integration.credentialKey), {
              outcome: { kind: 'invalid_credentials', reason },
              source: 'probe',
            });
            count(integration, 'interrupted_revoked');
            deps.logger.error({ event: 'rotation_interrupted', integration: integration.id, revoked: true }, reason);
          } else {
            await deps.store.rotations.finish(
              open.id,
              { outcome: 'interrupted', reason: 'interrupted; the previous credential still works', retryAt: now },
              now,
            );
            count(integration, 'interrupted');
            deps.logger.warn(
              { event: 'rotation_interrupted', integration: integration.id, revoked: false },
              'an automatic rotation was interrupted; the previous credential still works and it is tried again',
            );
          }
          settled += 1;
        });
      }
      return settled;
    },
    /** Revokes tokens Reauth generated earlier once every sink has their successor, or after an hour at most. */
    async revokePrevious(): Promise<number> {
      let revoked = 0;
      const now = deps.clock.now();
      for (const pending of await deps.store.rotations.pendingRevocations()) {
        const integration = await deps.store.integrations.findActive(pending.integrationId);
        const rotation = integration && rotationOf(integration);
        if (!integration || !rotation) {
          await deps.store.rotations.revocationDone(pending.id, now);
          continue;
        }
        const sinks = await deps.store.deliveries.sinkRows([integration.id]);
        const everywhere = sinks.every((s) => !s.head && (s.lastDelivered?.version ?? 0) >= pending.replacedByVersion);
        if (!everywhere && now.getTime() < pending.notAfter.getTime()) continue;
        const current = await deps.store.credentials.current(pending.credentialKey);
        const secret = current && isBoundTo(current, integration) ? secretOf(current) : undefined;
        if (!secret) continue;
        const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
        const result = await revokeByName(ctx, rotation, secret, pending.tokenName);
        if (result.ok) {
          await deps.store.rotations.revocationDone(pending.id, now);
          deps.logger.info(
            { event: 'rotation_previous_revoked', integration: integration.id, token: pending.tokenName },
            'the token a rotation replaced was revoked',
          );
          revoked += 1;
        } else {
          await deps.store.rotations.revocationFailed(pending.id, result.reason);
        }
      }
      return revoked;
    },
  };
}

export type RotationService = ReturnType<typeof createRotationService>;
