import type { ModalView } from '@slack/types';
import type { IntegrationSurface } from '../services/reauth-entry.js';
import { buildHeaderMessage, buildUnknownIntegration } from '../slack/blocks/messages.js';
import { buildLoadingModal, buildNoticeModal, buildOAuthModal, buildReauthModal } from '../slack/blocks/modals.js';
import { providerLabel } from '../slack/blocks/describe.js';
import { escapeMrkdwn, mentionAll } from '../slack/blocks/text.js';
import { slackErrorCode } from '../slack/errors.js';
import { tellUser, type Respond } from '../slack/notify.js';
import type { ListenerServices } from './services.js';

export interface OpenRequest {
  triggerId: string;
  userId: string;
  /** The Slack name the request carried: the one-time page names who asked. */
  userName?: string | undefined;
  integrationId: string;
  respond?: Respond | undefined;
}

/** The modal for a surface the re-authentication entry decided (every kind but `unknown`). */
export function viewFor(surface: IntegrationSurface): ModalView {
  const { integration } = surface;
  switch (surface.kind) {
    case 'form':
      return buildReauthModal(integration, surface.metadata, surface.web);
    case 'oauth':
      return buildOAuthModal(integration, surface.link, surface.expiresAt);
    case 'oauth_not_configured':
      return buildNoticeModal(
        'Not available yet',
        `:warning: Signing in with ${providerLabel(integration.provider)} is not set up for this Reauth: an admin must set ${surface.setupHint}. Nothing was changed.`,
      );
    case 'app':
      return buildNoticeModal(
        'Not available',
        `:information_source: Re-authentication is not available for *${escapeMrkdwn(integration.name)}*: it is a ${escapeMrkdwn(surface.label)} integration, and Reauth holds no credential for it.\n${escapeMrkdwn(surface.instead)}`,
      );
    case 'denied':
      return buildNoticeModal(
        'Not allowed',
        `:no_entry: You cannot re-authenticate *${escapeMrkdwn(integration.name)}*. ${surface.approvers.length ? `Ask ${mentionAll(surface.approvers)}.` : 'It has no owners and there are no Reauth admins: set owners in integrations.yml or REAUTH_ADMINS.'}`,
      );
    case 'checking':
      return buildLoadingModal(`Checking that you may re-authenticate *${escapeMrkdwn(integration.name)}*…`);
  }
}

function couldNotOpen(integrationId: string, code: string): string {
  const again = `run \`/reauth ${integrationId}\` again`;
  if (/trigger/.test(code))
    return `Slack closed the window for opening the form before Reauth could (${code}). Please ${again}.`;
  if (code === 'ratelimited')
    return `Slack is rate-limiting Reauth and did not open the form (ratelimited). Please ${again} in a minute.`;
  if (code === 'slack_unreachable')
    return `Reauth could not reach Slack to open the form (slack_unreachable). Please ${again} in a moment; if it keeps happening, tell your Reauth admin.`;
  return `Slack did not open the form (${code}). Please ${again} in a moment; if it keeps happening, tell your Reauth admin.`;
}

/**
 * Opens the right modal for `/reauth <id>` or a Re-authenticate button, inside Slack's 3-second
 * trigger window: only local reads happen before views.open; when permission depends on a user
 * group, a light view opens first and is updated once the group is read.
 */
export async function openReauth(services: ListenerServices, request: OpenRequest): Promise<void> {
  const { slack, logger } = services;
  const surface = await services.entry.open(request.userId, request.integrationId, request.userName);
  if (surface.kind === 'unknown') {
    await tellUser(
      slack,
      logger,
      request.userId,
      buildUnknownIntegration(surface.requested, surface.suggestions),
      request.respond,
    );
    return;
  }
  let viewId: string | undefined;
  try {
    const opened = await slack.views.open({ trigger_id: request.triggerId, view: viewFor(surface) });
    viewId = opened.view?.id;
  } catch (error) {
    const code = slackErrorCode(error);
    logger.warn({ integration: surface.integration.id, error: code }, 'views.open failed');
    await tellUser(
      slack,
      logger,
      request.userId,
      buildHeaderMessage('Could not open the form', couldNotOpen(surface.integration.id, code)),
      request.respond,
    );
    return;
  }
  if (surface.kind !== 'checking' || !viewId) return;

  const resolved = await services.entry.resolve(request.userId, surface.integration, request.userName);
  try {
    await slack.views.update({ view_id: viewId, view: viewFor(resolved) });
  } catch (error) {
    logger.warn(
      { integration: surface.integration.id, error: slackErrorCode(error) },
      'views.update after the access check failed',
    );
  }
}
