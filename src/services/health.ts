import type { Retirement } from '../providers/retired.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { alertKeyOf } from '../domain/integration.js';
import type { HealthStatus, Integration } from '../domain/types.js';
import { isRejection, type Outcome } from '../providers/outcome.js';
import type { Alerts } from './alerts.js';
import type { EmitEvent } from './delivery/events.js';

/**
 * The health state machine, shared by the monitor, Check now, `reauth-bot check`'s siblings and the
 * webhook: unknown → healthy ↔ failing. A credential rejection fails at once; a transient problem
 * (timeout, 5xx, 429) fails only when it persists; recovery resolves the alert.
 */

export const REJECTED_REPROBE_MS = 30 * 60 * 1000;
export const TRANSIENT_FAILURES_BEFORE_ALERT = 3;
export const TRANSIENT_WINDOW_MS = 15 * 60 * 1000;

export type SignalSource = 'probe' | 'check_now' | 'webhook';

export interface HealthSignal {
  /** valid = healthy; anything else a failure of that kind. */
  outcome: Pick<Outcome, 'kind' | 'reason'> & { retryAt?: Date | null };
  source: SignalSource;
  /** Slack user who pressed Check now, if any. */
  actor?: string | undefined;
  /** When the next automatic probe should happen (set by the monitor). */
  nextProbeAt?: Date | null;
  /** The probed credential is of a kind its vendor retired (a Bitbucket app password): the alert names the way off. */
  retired?: Retirement | undefined;
}

export interface HealthPolicy {
  transientFailures: number;
  transientWindowMs: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = {
  transientFailures: TRANSIENT_FAILURES_BEFORE_ALERT,
  transientWindowMs: TRANSIENT_WINDOW_MS,
};

const HOW: Record<SignalSource, string> = {
  probe: 'a scheduled check succeeded',
  check_now: 'Check now succeeded',
  webhook: 'the health webhook reported it healthy',
};

export interface HealthStateDeps {
  store: Pick<Store, 'health'>;
  alerts: Pick<Alerts, 'raise' | 'resolve'>;
  clock: Clock;
  policy?: HealthPolicy;
  /** `integration.failing` / `integration.recovered` events for webhook sinks. */
  events?: EmitEvent;
}

export function createHealthStateMachine(deps: HealthStateDeps) {
  const policy = deps.policy ?? DEFAULT_HEALTH_POLICY;
  return {
    /**
     * Applies one signal to every integration a credential serves (they share state and one alert).
     * Returns the new status.
     */
    async apply(integrations: readonly Integration[], signal: HealthSignal): Promise<HealthStatus> {
      const first = integrations[0];
      if (!first) return 'unknown';
      const now = deps.clock.now();
      const previous = await deps.store.health.of(first.id);
      const base = { lastCheckedAt: now, nextProbeAt: signal.nextProbeAt ?? null };

      if (signal.outcome.kind === 'valid') {
        for (const integration of integrations) {
          await deps.store.health.save({
            integrationId: integration.id,
            status: 'healthy',
            outcome: 'valid',
            reason: null,
            since: previous?.status === 'healthy' ? previous.since : now,
            lastSuccessAt: now,
            consecutiveFailures: 0,
            firstFailureAt: null,
            ...base,
          });
        }
        await deps.alerts.resolve(alertKeyOf(first), { by: signal.actor ?? null, how: HOW[signal.source] });
        if (previous?.status === 'failing')
          await deps.events?.(integrations, 'integration.recovered', {
            at: now.toISOString(),
            how: HOW[signal.source],
            failing_since: previous.since?.toISOString() ?? null,
          });
        return 'healthy';
      }

      const failures = (previous?.consecutiveFailures ?? 0) + 1;
      const firstFailureAt = previous?.firstFailureAt ?? now;
      const alreadyFailing = previous?.status === 'failing';
      const persistent =
        failures >= policy.transientFailures || now.getTime() - firstFailureAt.getTime() >= policy.transientWindowMs;
      const failing = alreadyFailing || signal.source === 'webhook' || isRejection(signal.outcome.kind) || persistent;
      const status: HealthStatus = failing ? 'failing' : (previous?.status ?? 'unknown');
      const since = failing ? (alreadyFailing ? (previous?.since ?? now) : firstFailureAt) : (previous?.since ?? null);
      for (const integration of integrations) {
        await deps.store.health.save({
          integrationId: integration.id,
          status,
          outcome: signal.outcome.kind,
          reason: signal.outcome.reason,
          since,
          lastSuccessAt: previous?.lastSuccessAt ?? null,
          consecutiveFailures: failures,
          firstFailureAt,
          ...base,
        });
      }
      if (failing && !alreadyFailing)
        await deps.events?.(integrations, 'integration.failing', {
          reason: signal.outcome.reason,
          outcome: signal.outcome.kind,
          since: (since ?? now).toISOString(),
          source: signal.source,
        });
      if (failing) {
        await deps.alerts.raise(integrations, {
          reason: signal.outcome.reason,
          since: since ?? now,
          lastSuccess: previous?.lastSuccessAt ?? null,
          source: signal.source === 'webhook' ? 'webhook' : 'probe',
          checkedAt: now,
          ...(signal.retired ? { retirement: signal.retired } : {}),
        });
      }
      return status;
    },
  };
}

export type HealthStateMachine = ReturnType<typeof createHealthStateMachine>;
