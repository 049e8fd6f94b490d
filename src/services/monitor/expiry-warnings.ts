import { fingerprintOf } from '../../domain/credential.js';
import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { Integration } from '../../domain/types.js';
import type { Logger } from '../../logger.js';
import { buildExpiryWarning } from '../../slack/blocks/alert.js';
import type { SlackChat } from '../../slack/client.js';
import { slackErrorCode } from '../../slack/errors.js';
import type { ChannelOf } from '../alerts.js';
import type { Authoriser } from '../authorisation.js';
import type { EmitEvent } from '../delivery/events.js';

export const EXPIRY_THRESHOLDS_DAYS = [14, 3, 1] as const;
const DAY_MS = 24 * 3600 * 1000;

export interface ExpiryWarningDeps {
  store: Pick<Store, 'credentials' | 'integrations' | 'expiryWarnings'>;
  slack: SlackChat;
  authoriser: Pick<Authoriser, 'approvers'>;
  clock: Clock;
  logger: Logger;
  channelOf: ChannelOf;
  /** `credential.expiring` events for webhook sinks. */
  events?: EmitEvent;
  /**
   * For integrations that rotate: whether the rotation is on track (then no warning is posted) or why it
   * failed (the warning says so). Undefined for one that does not rotate.
   */
  rotationStatus?: (integrations: readonly Integration[]) => Promise<{ failure: string | undefined } | undefined>;
}

/**
 * One warning per credential and threshold (14, 3, 1 days) in each channel its integrations use; a
 * credential first seen inside several thresholds gets one warning, the nearest.
 */
export function createExpiryWarnings(deps: ExpiryWarningDeps) {
  return async function sendExpiryWarnings(): Promise<number> {
    const now = deps.clock.now();
    let sent = 0;
    for (const credential of await deps.store.credentials.listCurrentWithExpiry()) {
      const expiresAt = credential.expiresAt as Date;
      const daysLeft = (expiresAt.getTime() - now.getTime()) / DAY_MS;
      if (daysLeft <= 0) continue; // expired: the failing probe says so
      const crossed = EXPIRY_THRESHOLDS_DAYS.filter((t) => daysLeft <= t);
      const nearest = Math.min(...crossed);
      if (!crossed.length || (await deps.store.expiryWarnings.warnedThresholds(credential.id)).has(nearest)) continue;
      const integrations = await deps.store.integrations.listByCredentialKey(credential.credentialKey);
      const channels = new Set(integrations.map((i) => deps.channelOf(i)).filter((c): c is string => c !== undefined));
      if (!integrations.length || !channels.size) continue;
      const rotation = await deps.rotationStatus?.(integrations);
      // A rotation on track renews it before it expires: no warning (it is not recorded, so one follows if the rotation fails).
      if (rotation && rotation.failure === undefined) continue;
      const warning = buildExpiryWarning({
        integrations,
        expiresAt,
        days: nearest,
        fingerprints: credential.fingerprints,
        approvers: deps.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]),
        ...(rotation?.failure === undefined ? {} : { rotationFailure: rotation.failure }),
      });
      let posted = false;
      for (const channel of channels) {
        try {
          await deps.slack.chat.postMessage({ channel, text: warning.text, blocks: warning.blocks });
          posted = true;
        } catch (error) {
          deps.logger.warn({ channel, error: slackErrorCode(error) }, 'could not post an expiry warning');
        }
      }
      if (posted) {
        await deps.store.expiryWarnings.record(credential.id, crossed, now);
        await deps.events?.(integrations, 'credential.expiring', {
          fingerprint: fingerprintOf(credential),
          expires_at: expiresAt.toISOString(),
          days: nearest,
        });
        sent += 1;
      }
    }
    return sent;
  };
}
