import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { Integration } from '../../domain/types.js';
import type { ProbeResult } from '../probe.js';
import type { ProbeRunner } from './probe-runner.js';

export interface CheckNowDeps {
  store: Pick<Store, 'integrations' | 'audit'>;
  runner: Pick<ProbeRunner, 'probeGroupLocked'>;
  clock: Clock;
}

/** Check now: probes an integration's credential at once through the monitor's probe path. */
export function createCheckNow(deps: CheckNowDeps) {
  return async function checkNow(integrationId: string, actor: string): Promise<{ result: ProbeResult; integrations: Integration[] } | undefined> {
    const integration = await deps.store.integrations.findActive(integrationId);
    if (!integration) return undefined;
    const group = await deps.store.integrations.listByCredentialKey(integration.credentialKey);
    await deps.store.audit.record({ actor, integrationId, action: 'health.check_now', outcome: 'requested' }, deps.clock.now());
    const result = await deps.runner.probeGroupLocked(group, 'check_now', actor);
    return { result, integrations: group };
  };
}

export type CheckNow = ReturnType<typeof createCheckNow>;
