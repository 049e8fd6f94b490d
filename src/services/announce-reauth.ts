import { alertKeyOf } from '../domain/integration.js';
import { fingerprintOf } from '../domain/credential.js';
import type { Credential, Integration } from '../domain/types.js';
import type { Logger } from '../logger.js';
import type { CredentialValidation, ValidOutcome } from '../providers/outcome.js';
import { buildReauthConfirmation, buildRotationNotice } from '../slack/blocks/messages.js';
import { buildOutcomeDetails } from '../slack/blocks/outcome.js';
import type { SlackChat } from '../slack/client.js';
import { slackErrorCode } from '../slack/errors.js';
import type { Alerts, ChannelOf } from './alerts.js';
import type { DeliveryNotices } from './delivery/notices.js';

export interface AnnounceDeps {
  alerts: Pick<Alerts, 'resolve'>;
  slack: SlackChat;
  logger: Logger;
  channelOf: ChannelOf;
  /** Adds where the credential is being delivered, and keeps it current. */
  notices?: Pick<DeliveryNotices, 'linesFor' | 'addLines' | 'remember'>;
}

export interface Announcement {
  integration: Integration;
  affected: readonly Integration[];
  validation: CredentialValidation & { outcome: ValidOutcome };
  actor: string;
  how: 'modal' | 'web' | 'oauth';
  /** The committed credential version: its deliveries are listed and kept current. */
  credentialId?: number;
}

/**
 * After a successful re-authentication: the open alert (if any) is edited to resolved with the
 * outcome in its thread, and one short confirmation goes to each channel the integrations use.
 */
export function createAnnouncer(deps: AnnounceDeps) {
  return async function announceReauth(params: Announcement): Promise<void> {
    const affected = params.affected.length ? params.affected : [params.integration];
    const confirmation = buildReauthConfirmation({
      actor: params.actor,
      integrations: affected,
      fingerprints: params.validation.tokens.map((t) => t.fingerprint),
      outcome: params.validation.outcome,
      how: params.how,
    });
    await deps.alerts.resolve(alertKeyOf(params.integration), {
      by: params.actor,
      how: params.how === 'oauth' ? 're-authenticated by signing in' : 're-authenticated with a new credential',
      thread: { text: confirmation.text, blocks: [...confirmation.blocks, ...buildOutcomeDetails(params.validation)] },
    });
    const channels = new Set(affected.map((i) => deps.channelOf(i)).filter((c): c is string => c !== undefined));
    const lines =
      params.credentialId !== undefined && deps.notices ? await deps.notices.linesFor(params.credentialId) : [];
    for (const channel of channels) {
      try {
        const blocks = deps.notices ? deps.notices.addLines(confirmation.blocks, lines) : confirmation.blocks;
        const posted = await deps.slack.chat.postMessage({ channel, text: confirmation.text, blocks });
        if (lines.length && posted.ts && params.credentialId !== undefined)
          await deps.notices?.remember(params.credentialId, params.integration.id, {
            channel: posted.channel ?? channel,
            ts: posted.ts,
            text: confirmation.text,
            blocks: confirmation.blocks,
          });
      } catch (error) {
        deps.logger.warn(
          { channel, integration: params.integration.id, error: slackErrorCode(error) },
          'could not post the re-authentication confirmation',
        );
      }
    }
  };
}

export type AnnounceReauth = ReturnType<typeof createAnnouncer>;

/**
 * After an automatic rotation: one message in each channel the integrations use ("rotated
 * automatically": the new fingerprint, its expiry, what became of the previous token, each sink kept
 * current as it is delivered); an alert still open for it is resolved in place.
 */
export function createRotationAnnouncer(deps: AnnounceDeps) {
  return async function announceRotation(params: {
    integration: Integration;
    affected: readonly Integration[];
    credential: Credential;
    expiresAt: Date | null;
    previousNote: string;
  }): Promise<void> {
    const affected = params.affected.length ? params.affected : [params.integration];
    const notice = buildRotationNotice({
      integrations: affected,
      fingerprint: fingerprintOf(params.credential),
      expiresAt: params.expiresAt,
      previousNote: params.previousNote,
    });
    await deps.alerts.resolve(alertKeyOf(params.integration), {
      by: null,
      how: 'rotated automatically',
      thread: notice,
    });
    const lines = deps.notices ? await deps.notices.linesFor(params.credential.id) : [];
    for (const channel of new Set(affected.map((i) => deps.channelOf(i)).filter((c): c is string => c !== undefined))) {
      try {
        const blocks = deps.notices ? deps.notices.addLines(notice.blocks, lines) : notice.blocks;
        const posted = await deps.slack.chat.postMessage({ channel, text: notice.text, blocks });
        if (lines.length && posted.ts)
          await deps.notices?.remember(params.credential.id, params.integration.id, {
            channel: posted.channel ?? channel,
            ts: posted.ts,
            text: notice.text,
            blocks: notice.blocks,
          });
      } catch (error) {
        deps.logger.warn(
          { channel, integration: params.integration.id, error: slackErrorCode(error) },
          'could not post the rotation notice',
        );
      }
    }
  };
}
