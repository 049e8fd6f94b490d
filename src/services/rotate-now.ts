import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Integration } from '../domain/types.js';
import type { Authoriser } from './authorisation.js';
import type { RotationResult, RotationService } from './rotation.js';

export type RotateNowResult =
  | { kind: 'not_found' }
  | { kind: 'denied'; integration: Integration; approvers: string[] }
  | { kind: 'done'; integration: Integration; result: RotationResult };

/** **Rotate now** on an expiry warning: owners and admins renew the credential at once; every press is audited. */
export function createRotateNow(deps: {
  store: Pick<Store, 'integrations' | 'audit'>;
  rotation: Pick<RotationService, 'rotate'>;
  authoriser: Pick<Authoriser, 'canManage' | 'approvers'>;
  clock: Clock;
}) {
  return async function rotateNow(integrationId: string, actor: string): Promise<RotateNowResult> {
    const integration = await deps.store.integrations.findActive(integrationId);
    if (!integration) return { kind: 'not_found' };
    const audit = (outcome: string, detail: Record<string, unknown> | null = null) =>
      deps.store.audit.record(
        { actor, integrationId, action: 'credential.rotate_now', outcome, detail },
        deps.clock.now(),
      );
    if (!(await deps.authoriser.canManage(actor, integration.owners))) {
      await audit('denied');
      return { kind: 'denied', integration, approvers: deps.authoriser.approvers(integration.owners) };
    }
    const result = await deps.rotation.rotate(integration, { requestedBy: actor, force: true });
    await audit(result.status, 'reason' in result ? { reason: result.reason } : null);
    return { kind: 'done', integration, result };
  };
}

export type RotateNow = ReturnType<typeof createRotateNow>;
