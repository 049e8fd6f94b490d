import type { Keyring } from '../../crypto/keyring.js';
import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { credentialGroups, isMachineIdentity } from '../../domain/integration.js';
import type { Integration } from '../../domain/types.js';
import type { Logger } from '../../logger.js';
import type { AccessTokens } from '../access-tokens.js';
import type { HealthStateMachine } from '../health.js';
import { isBoundTo } from '../probe-subject.js';
import { unsealPayload } from '../secret-payload.js';

export interface MintAheadDeps {
  store: Pick<Store, 'integrations' | 'credentials'>;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
  accessTokens: AccessTokens;
  /**
   * The machine identities whose integrations deliver to sinks, from integrations.yml at start (sinks are
   * read once): a tick without any reads nothing.
   */
  withSinks: readonly string[];
  health: Pick<HealthStateMachine, 'apply'>;
}

/**
 * Machine identities whose integrations push to sinks are minted ahead (SPEC §12): at each monitor tick,
 * one whose token is due gets a new one, which the commit queues for every sink — so a sink always holds a
 * token that still works, with nobody pulling. Replicas may both look: the credential lock and its
 * re-read make one mint. A refused mint fails the integrations, as a probe's refusal does.
 */
export function createMintAhead(deps: MintAheadDeps) {
  return async function mintAhead(): Promise<number> {
    let minted = 0;
    if (deps.withSinks.length === 0) return minted;
    const found = await Promise.all(deps.withSinks.map((id) => deps.store.integrations.findActive(id)));
    const machines = found.filter((i): i is Integration => i !== undefined && isMachineIdentity(i));
    for (const group of credentialGroups(machines)) {
      const first = group[0];
      if (!first) continue;
      const credential = await deps.store.credentials.current(first.credentialKey);
      if (!credential?.sealedSecret || !isBoundTo(credential, first)) continue;
      const payload = unsealPayload(deps.keyring, credential, credential.sealedSecret);
      if (payload.kind !== 'machine' || !deps.accessTokens.isDue(payload, deps.clock.now())) continue;
      try {
        const result = await deps.accessTokens.renewIfDue(first, credential, payload);
        if (result.ok) minted += result.refreshed ? 1 : 0;
        else if (result.grantSent)
          // Every integration the credential serves fails with it, those without sinks too.
          await deps.health.apply(await deps.store.integrations.listByCredentialKey(first.credentialKey), {
            outcome: result.outcome,
            source: 'probe',
          });
      } catch (error) {
        deps.logger.warn(
          { event: 'mint_ahead_failed', integration: first.id, error: (error as Error).message },
          'could not mint ahead of expiry; the next tick tries again',
        );
      }
    }
    return minted;
  };
}
