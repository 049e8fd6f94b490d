import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { Integration } from '../../domain/types.js';
import { isRejection, type OutcomeKind } from '../../providers/outcome.js';
import type { Authoriser } from '../authorisation.js';
import type { ProbeResult } from '../probe.js';
import type { ProbeRunner } from './probe-runner.js';

/**
 * A credential the provider rejected is probed on demand at most this often: providers lock
 * accounts after repeated bad attempts, and the monitor's own back-off is 30 minutes.
 */
export const MANUAL_REJECTED_REPROBE_MS = 5 * 60 * 1000;

export type CheckNowResult =
  | { kind: 'not_found' }
  | { kind: 'denied'; integrations: Integration[]; approvers: string[] }
  | { kind: 'too_soon'; integrations: Integration[]; retryAt: Date; reason: string }
  | { kind: 'checked'; integrations: Integration[]; result: ProbeResult };

export interface CheckNowDeps {
  store: Pick<Store, 'integrations' | 'health' | 'audit'>;
  runner: Pick<ProbeRunner, 'probeGroupLocked'>;
  authoriser: Pick<Authoriser, 'canManage' | 'approvers'>;
  clock: Clock;
}

/**
 * Check now: owners and admins may probe an integration's credential at once, through the monitor's
 * probe path, except a credential rejected less than 5 minutes ago.
 */
export function createCheckNow(deps: CheckNowDeps) {
  return async function checkNow(
    integrationId: string,
    actor: string,
    options: { ignoreRecentRejection?: boolean } = {},
  ): Promise<CheckNowResult> {
    const integration = await deps.store.integrations.findActive(integrationId);
    if (!integration) return { kind: 'not_found' };
    const group = await deps.store.integrations.listByCredentialKey(integration.credentialKey);
    const owners = [...new Set(group.flatMap((i) => i.owners))];
    const now = deps.clock.now();
    const audit = (outcome: string) =>
      deps.store.audit.record({ actor, integrationId, action: 'health.check_now', outcome }, now);
    if (!(await deps.authoriser.canManage(actor, owners))) {
      await audit('permission_denied');
      return { kind: 'denied', integrations: group, approvers: deps.authoriser.approvers(owners) };
    }
    const health = await deps.store.health.of(integration.id);
    const lastRejected =
      health?.outcome && isRejection(health.outcome as OutcomeKind) && health.lastCheckedAt
        ? health.lastCheckedAt
        : undefined;
    if (
      !options.ignoreRecentRejection &&
      lastRejected &&
      now.getTime() - lastRejected.getTime() < MANUAL_REJECTED_REPROBE_MS
    ) {
      await audit('too_soon');
      return {
        kind: 'too_soon',
        integrations: group,
        retryAt: new Date(lastRejected.getTime() + MANUAL_REJECTED_REPROBE_MS),
        reason: health?.reason ?? 'The provider rejected the credential.',
      };
    }
    await audit('requested');
    return {
      kind: 'checked',
      integrations: group,
      result: await deps.runner.probeGroupLocked(group, 'check_now', actor),
    };
  };
}

export type CheckNow = ReturnType<typeof createCheckNow>;
