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
import { isRejection, type Outcome } from '../providers/outcome.js';
import { authSpec, providerSpec } from '../providers/registry.js';
import { callRotation, listTokenNames, revokeByName } from '../providers/rotate.js';
import type { RotationSpec } from '../providers/types.js';
import { createValidationContext, validateCredential } from '../providers/validate.js';
import type { HealthStateMachine } from './health.js';
import { isBoundTo, targetOf } from './probe-subject.js';
import type { Committed, CredentialCommitService } from './credential-commit.js';
import { unsealPayload } from './secret-payload.js';
import { rotationAnswerContext } from './sealing-contexts.js';
import { keepAnswer } from './keep-answer.js';
import { CredentialChangedError } from '../db/store.js';

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
  /** The provider issued a new token whose check was inconclusive: Reauth keeps it (sealed) and checks it again. */
  | { status: 'held'; reason: string; retryAt: Date }
  | { status: 'not_due' | 'off' | 'no_credential' | 'busy' | 'backing_off'; reason: string };

/** Why a new token's check said nothing either way, in people's words. */
const INCONCLUSIVE: Partial<Record<Outcome['kind'], string>> = {
  rate_limited: 'it is rate-limiting the new token',
  unreachable: 'it could not be reached',
  provider_error: 'it answered with an error',
};

const supersededReason = (integration: Pick<Integration, 'id'>): string =>
  `The credential of ${integration.id} was replaced while it was being rotated; the new one stays.`;

export interface RotationDeps {
  store: Pick<Store, 'credentials' | 'integrations' | 'rotations' | 'withCredentialLock' | 'deliveries'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  /** The one way a credential changes (services/credential-commit.ts); its consequences include the rotation notice. */
  commit: Pick<CredentialCommitService, 'commit' | 'committedElsewhere'>;
  /** The integration's `rotate:` policy (from integrations.yml), undefined when it does not rotate. */
  rotateOf: (integrationId: string) => RotationPolicy | undefined;
  /** An interrupted rotation whose previous credential was revoked reaches health and the one alert. */
  health: Pick<HealthStateMachine, 'apply'>;
  metrics?: Pick<Metrics, 'rotations'>;
}

/** Tokens Reauth generates are named after their integration: `reauth-{id}-{YYYYMMDD}T{HHMMSS}z`. */
export const generatedTokenName = (integrationId: string, now: Date): string =>
  `reauth-${integrationId}-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}z`;
/**
 * An open attempt younger than this may still be worked by a process that lost its lock (a database
 * failover cut its connection while it waited on the provider); an older one is nobody's and is settled.
 */
export const ATTEMPT_HELD_MS = 2 * 60 * 1000;
/** A held answer whose check was inconclusive without a Retry-After is checked again after this long. */
export const CHECK_AGAIN_MS = 60 * 1000;

/** A previous token Reauth generated is revoked once every sink has its successor, or after this long at most. */
export const REVOKE_AFTER_MS = 60 * 60 * 1000;

/**
 * A revocation the provider refused or could not take is tried again after 1, 2, 4 … minutes, then
 * hourly — not at every sweep (once a minute) for ever. `attempts` is counted in the store; when this
 * process last tried, in memory (after a restart a failing revocation is tried once, then waits again).
 */
export function revokeRetryDelayMs(attempts: number): number {
  return Math.min(60 * 60 * 1000, 60 * 1000 * 2 ** Math.max(0, attempts - 1));
}

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
  /** When this process last tried each revocation that failed (see revokeRetryDelayMs). */
  const lastRevokeTry = new Map<number, number>();

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

  /**
   * Revokes tokens an interrupted rotation of this integration left behind (SonarQube lists names): only
   * names Reauth generated and recorded for this integration — never another integration's whose id
   * starts the same (`sonar` and `sonar-prod`), never one a person entered.
   */
  async function cleanLeftovers(
    integration: Integration,
    rotation: RotationSpec,
    secret: { identifier: string | undefined; token: string },
    keep: readonly string[],
  ): Promise<void> {
    const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
    const names = await listTokenNames(ctx, rotation, secret);
    const ours = new Set(await deps.store.rotations.generatedNames(integration.id));
    const pending = new Set((await deps.store.rotations.pendingRevocations()).map((r) => r.tokenName));
    for (const name of names ?? []) {
      if (!ours.has(name) || keep.includes(name) || pending.has(name)) continue;
      const revoked = await revokeByName(ctx, rotation, secret, name);
      deps.logger.info(
        { event: 'rotation_leftover_revoked', integration: integration.id, token: name, ok: revoked.ok },
        'a token an interrupted rotation left behind was revoked',
      );
    }
  }

  /**
   * Seals the provider's answer into its attempt before anything else is done with it. A database that
   * is restarting is offered it again for a while: this token may be the only one that works now.
   */
  async function holdAnswer(attempt: RotationAttempt, token: string, expiresAt: Date | null): Promise<void> {
    const sealed = deps.keyring.seal(token, rotationAnswerContext(attempt.credentialKey));
    await keepAnswer(() =>
      deps.store.rotations.holdAnswer(attempt.id, { value: sealed.value, keyId: sealed.keyId, expiresAt }),
    ).catch((error: Error) =>
      deps.logger.error(
        { event: 'rotation_answer_unsaved', integration: attempt.integrationId, error: error.message },
        'could not keep the rotated token with its attempt; it is committed directly if the database answers',
      ),
    );
  }

  /** What the announcement says happened to the previous token. */
  function previousNoteOf(integration: Integration, current: Credential, revokesInCall: boolean): string {
    if (revokesInCall)
      return `${labelOf(integration)} revoked the previous token (${fingerprintOf(current)}) in the same call.`;
    if (current.tokenName)
      return `The previous token (${fingerprintOf(current)}, generated by Reauth) is revoked once every sink has the new one, within an hour.`;
    return `The previous token (${fingerprintOf(current)}) was entered by a person, so Reauth leaves it alone: it ${current.expiresAt ? `expires on its own on ${current.expiresAt.toISOString().slice(0, 10)}` : 'stays valid until someone revokes it in SonarQube'}.`;
  }

  /**
   * The provider answered with a new token (kept with the attempt): check it, and commit it if it works.
   * Only a definitive rejection fails the rotation; an inconclusive check (rate limited, down, timed
   * out) keeps the token and checks it again later. The commit is fenced on the credential the attempt
   * renewed: if a person re-authenticated meanwhile, theirs stays.
   */
  async function finishWithAnswer(
    integration: Integration,
    attempt: RotationAttempt,
    answer: { token: string; expiresAt: Date | null },
  ): Promise<RotationResult> {
    const rotation = rotationOf(integration);
    const current = await deps.store.credentials.current(integration.credentialKey);
    const secret = current && isBoundTo(current, integration) ? secretOf(current) : undefined;
    const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
    const identifier = secret?.identifier;
    const generated = attempt.tokenName;
    const revokeGenerated = async () => {
      if (rotation && generated)
        await revokeByName(ctx, rotation, { identifier, token: answer.token }, generated).catch(() => undefined);
    };
    /** A person re-authenticated while it ran: theirs stays, and a token Reauth generated is revoked again. */
    const superseded = async (): Promise<RotationResult> => {
      await revokeGenerated();
      await deps.store.rotations.finish(
        attempt.id,
        { outcome: 'superseded', reason: 'the credential was replaced while the rotation ran', retryAt: null },
        deps.clock.now(),
      );
      count(integration, 'superseded');
      return { status: 'failed', reason: supersededReason(integration), retryAt: deps.clock.now() };
    };
    if (!rotation || !current || current.id !== attempt.credentialId) return superseded();
    const revokesInCall = rotation.previous.revokedBy === 'provider';
    const validation = await validateCredential(ctx, { identifier, tokens: [answer.token] });
    const outcome = validation.outcome;
    if (outcome.kind !== 'valid') {
      if (!isRejection(outcome.kind)) {
        const now = deps.clock.now();
        const retryAt =
          outcome.kind === 'rate_limited' && outcome.retryAt && outcome.retryAt.getTime() > now.getTime()
            ? outcome.retryAt
            : new Date(now.getTime() + CHECK_AGAIN_MS);
        await deps.store.rotations.checkAgainAt(attempt.id, retryAt);
        count(integration, 'held');
        const reason = `${labelOf(integration)} issued a new token, but could not confirm it yet (${INCONCLUSIVE[outcome.kind] ?? 'no clear answer'}). Reauth keeps it, sealed, and checks it again after ${retryAt.toISOString()}; the rotation completes then.`;
        deps.logger.warn(
          { event: 'rotation_answer_held', integration: integration.id, outcome: outcome.kind, retryAt },
          'the rotated token could not be checked yet; it is kept and checked again',
        );
        return { status: 'held', reason, retryAt };
      }
      // Never stored. A SonarQube token Reauth just made is revoked again; GitLab has already revoked the previous one.
      await revokeGenerated();
      return fail(
        integration,
        attempt,
        {
          kind: outcome.kind,
          reason: `The new credential ${labelOf(integration)} returned failed validation: ${outcome.reason}`,
        },
        revokesInCall,
      );
    }
    const now = deps.clock.now();
    const expiresAt = outcome.expiresAt ?? answer.expiresAt;
    const revoke =
      !revokesInCall && current.tokenName
        ? { tokenName: current.tokenName, notAfter: new Date(now.getTime() + REVOKE_AFTER_MS) }
        : undefined;
    const previousNote = previousNoteOf(integration, current, revokesInCall);
    let committed: Committed;
    try {
      committed = await keepAnswer(() =>
        deps.commit.commit({
          integration,
          actor: 'reauth',
          payload: { kind: 'tokens', identifier: identifier ?? null, tokens: [answer.token] },
          validation: {
            ...validation,
            outcome,
            tokens: validation.tokens.map((t) => ({
              ...t,
              fingerprint: t.fingerprint || fingerprintSecret(answer.token),
            })),
          },
          how: 'rotation',
          expiresAt,
          tokenName: generated,
          rotation: { attemptId: attempt.id, ...(revoke ? { revoke } : {}) },
          previousNote,
          expectedCurrentId: attempt.credentialId,
          locked: true,
        }),
      );
    } catch (error) {
      if (!(error instanceof CredentialChangedError)) throw error;
      // A retried commit whose first try did commit (the connection broke after COMMIT): it is ours.
      const stored = await deps.store.credentials.current(integration.credentialKey);
      if (!stored?.fingerprints.includes(fingerprintSecret(answer.token))) return superseded();
      await deps.store.rotations.finish(
        attempt.id,
        { outcome: 'rotated', reason: null, retryAt: null },
        deps.clock.now(),
      );
      committed = {
        credential: stored,
        affected: await deps.store.integrations.listByCredentialKey(integration.credentialKey),
        previousFingerprints: current.fingerprints,
      };
      deps.commit.committedElsewhere({
        ...committed,
        integration,
        actor: 'reauth',
        how: 'rotation',
        validation: { ...validation, outcome },
        expiresAt,
        previousNote,
      });
    }
    count(integration, 'rotated');
    if (rotation.list && generated)
      await cleanLeftovers(integration, rotation, { identifier, token: answer.token }, [
        generated,
        ...(current.tokenName ? [current.tokenName] : []),
      ]).catch(() => undefined);
    return {
      status: 'rotated',
      credential: committed.credential,
      previous: current,
      affected: committed.affected,
      expiresAt,
      previousNote,
    };
  }

  async function rotateLocked(
    integration: Integration,
    options: { requestedBy: string; force: boolean },
    signal: AbortSignal | undefined,
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
      latest.finishedAt &&
      latest.retryAt.getTime() > now.getTime() &&
      latest.credentialId === current.id
    ) {
      return {
        status: 'backing_off',
        reason: `The last rotation of ${integration.id} failed (${latest.reason ?? 'no reason given'}); it is tried again after ${latest.retryAt.toISOString()}.`,
      };
    }
    const tokenName = rotation.nameParam ? generatedTokenName(integration.id, now) : null;
    const attemptOf = () =>
      deps.store.rotations.begin({
        integrationId: integration.id,
        credentialKey: integration.credentialKey,
        credentialId: current.id,
        version: current.version,
        provider: integration.provider,
        tokenName,
        requestedBy: options.requestedBy,
        startedAt: now,
      });
    let attempt = await attemptOf();
    if (!attempt) {
      // This process holds the credential's lock, so an open attempt is one nobody is working on any
      // more (its process died or failed) — unless it is young enough to be a process's that lost its
      // lock with a database failover. The former is settled here, and the rotation goes on.
      const open = (await deps.store.rotations.open()).find((a) => a.credentialKey === integration.credentialKey);
      const settled = open && (await settleOne(open, { anyAge: false, answerNow: true }));
      if (settled?.status === 'rotated' || settled?.status === 'held') return settled;
      attempt = settled ? await attemptOf() : undefined;
    }
    if (!attempt) return { status: 'busy', reason: `${integration.id} is being rotated by another process right now.` };
    try {
      // The lock's connection was lost (a database failover): another process may take over, so no
      // provider call is started without it.
      signal?.throwIfAborted();
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
        return await fail(integration, attempt, answer.outcome, revoked);
      }
      await holdAnswer(attempt, answer.token, answer.expiresAt);
      return await finishWithAnswer(integration, attempt, answer);
    } catch (error) {
      // An attempt that ends in an error is closed, never left open to block every later rotation; one
      // that holds the provider's answer stays open so the answer is checked and committed later.
      const mine = (await deps.store.rotations.open().catch(() => [])).find((a) => a.id === attempt.id);
      if (mine && !mine.sealedAnswer)
        await fail(
          integration,
          attempt,
          { kind: 'provider_error', reason: `It stopped with an error: ${(error as Error).message}` },
          false,
        ).catch(() => undefined);
      else if (mine)
        await deps.store.rotations
          .checkAgainAt(attempt.id, new Date(deps.clock.now().getTime() + CHECK_AGAIN_MS))
          .catch(() => undefined);
      throw error;
    }
  }

  async function rotate(
    integration: Integration,
    options: { requestedBy: string; force?: boolean },
  ): Promise<RotationResult> {
    return deps.store.withCredentialLock(integration.credentialKey, (signal) =>
      rotateLocked(integration, { requestedBy: options.requestedBy, force: options.force ?? false }, signal),
    );
  }

  /**
   * Settles one open attempt, holding its credential's lock. One that holds the provider's answer is
   * finished from it (checked, then committed, failed, or kept for another check). One without an
   * answer whose process is gone: if the stored credential still works it is closed; if not (GitLab
   * revoked it and the answer was lost), the integration turns failing and its alert, with
   * Re-authenticate, is posted at once. Undefined when it is not to be settled now.
   */
  async function settleOne(
    open: RotationAttempt,
    options: {
      /** Settle an attempt without an answer however young. */ anyAge: boolean /** Check a held answer now, whatever its retry time. */;
      answerNow: boolean;
    },
  ): Promise<RotationResult | undefined> {
    const now = deps.clock.now();
    const integration = await deps.store.integrations.findActive(open.integrationId);
    if (open.sealedAnswer) {
      // Due: its next check's time has come; or, without one (its process stopped between keeping it and
      // checking it), once nobody can still be working on it.
      const due = open.retryAt
        ? open.retryAt.getTime() <= now.getTime()
        : now.getTime() - open.startedAt.getTime() >= ATTEMPT_HELD_MS;
      if (!options.answerNow && !due) return undefined;
      const token = deps.keyring.unseal(open.sealedAnswer, rotationAnswerContext(open.credentialKey));
      if (!integration) {
        await deps.store.rotations.finish(
          open.id,
          { outcome: 'interrupted', reason: 'the integration was removed from integrations.yml', retryAt: null },
          now,
        );
        return { status: 'off', reason: `${open.integrationId} is no longer in integrations.yml.` };
      }
      return finishWithAnswer(integration, open, { token, expiresAt: open.answerExpiresAt });
    }
    if (!options.anyAge && now.getTime() - open.startedAt.getTime() < ATTEMPT_HELD_MS) return undefined;
    const current = await deps.store.credentials.current(open.credentialKey);
    const secret = current && integration && isBoundTo(current, integration) ? secretOf(current) : undefined;
    if (!integration || !current || !secret) {
      await deps.store.rotations.finish(
        open.id,
        { outcome: 'interrupted', reason: 'interrupted; the credential was replaced or removed since', retryAt: null },
        now,
      );
      return { status: 'no_credential', reason: 'interrupted; the credential was replaced or removed since' };
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
      return { status: 'failed', reason, retryAt: now };
    }
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
    return { status: 'failed', reason: 'interrupted; the previous credential still works', retryAt: now };
  }

  /** Settles the open attempts that are due (all of them at start-up), each under its credential's lock. */
  async function settle(options: { atStartup: boolean }): Promise<number> {
    const how = { anyAge: options.atStartup, answerNow: options.atStartup };
    let settled = 0;
    for (const open of await deps.store.rotations.open()) {
      const result = await deps.store.withCredentialLock(open.credentialKey, async () => {
        const still = (await deps.store.rotations.open()).find((a) => a.id === open.id);
        return still ? settleOne(still, how) : undefined;
      });
      if (result) settled += 1;
    }
    return settled;
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
     * At start-up: settles every open attempt (a rotation this process or a replica was killed in the
     * middle of), under its credential's lock, so one another replica is still running is waited for.
     */
    settleInterrupted: () => settle({ atStartup: true }),
    /**
     * Between deliveries: finishes held answers that are due for another check, and settles attempts
     * nobody has worked on for ATTEMPT_HELD_MS (a process that failed without closing them).
     */
    settleDue: () => settle({ atStartup: false }),
    /**
     * A probe found the credential refused: if a rotation of it holds an answer not confirmed yet (GitLab
     * revoked the previous token in the call, and the new one's check was inconclusive), that answer is
     * checked now — committed if it works — before anyone is alerted about the revoked one.
     */
    async settleHeldFor(integration: Integration): Promise<RotationResult | undefined> {
      if (!deps.rotateOf(integration.id) || !rotationOf(integration)) return undefined;
      const held = (await deps.store.rotations.open()).find(
        (a) => a.credentialKey === integration.credentialKey && a.sealedAnswer,
      );
      if (!held) return undefined;
      return deps.store.withCredentialLock(held.credentialKey, async () => {
        const still = (await deps.store.rotations.open()).find((a) => a.id === held.id);
        return still ? settleOne(still, { anyAge: false, answerNow: true }) : undefined;
      });
    },
    /** Revokes tokens Reauth generated earlier once every sink has their successor, or after an hour at most. */
    async revokePrevious(): Promise<number> {
      let revoked = 0;
      const now = deps.clock.now();
      for (const pending of await deps.store.rotations.pendingRevocations()) {
        // Waiting after a failure: nothing to read or unseal for it this sweep.
        const triedAt = lastRevokeTry.get(pending.id);
        if (triedAt !== undefined && now.getTime() - triedAt < revokeRetryDelayMs(pending.attempts)) continue;
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
        lastRevokeTry.set(pending.id, now.getTime());
        const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
        const result = await revokeByName(ctx, rotation, secret, pending.tokenName);
        if (result.ok) {
          lastRevokeTry.delete(pending.id);
          await deps.store.rotations.revocationDone(pending.id, now);
          deps.logger.info(
            { event: 'rotation_previous_revoked', integration: integration.id, token: pending.tokenName },
            'the token a rotation replaced was revoked',
          );
          revoked += 1;
        } else {
          await deps.store.rotations.revocationFailed(pending.id, result.reason);
          deps.logger.warn(
            {
              event: 'rotation_revoke_failed',
              integration: integration.id,
              token: pending.tokenName,
              attempts: pending.attempts + 1,
              retryInMs: revokeRetryDelayMs(pending.attempts + 1),
              reason: result.reason,
            },
            'the token a rotation replaced could not be revoked; it is tried again later',
          );
        }
      }
      return revoked;
    },
  };
}

export type RotationService = ReturnType<typeof createRotationService>;
