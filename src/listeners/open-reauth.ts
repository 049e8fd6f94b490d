import type { RespondFn } from '@slack/bolt';
import { closestIds } from '../catalogue/closest-ids.js';
import { recordAudit } from '../db/repositories/audit.js';
import { findActiveIntegration, listActiveIntegrations, type IntegrationRow } from '../db/repositories/integrations.js';
import { newPkceVerifier, oauthEndpoints, oauthSetupHint } from '../providers/oauth.js';
import { authSpec } from '../providers/registry.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import { mentionAll } from '../services/authorisation.js';
import { issueOAuthState } from '../services/oauth-states.js';
import { slackErrorCode } from '../services/slack-errors.js';
import { providerLabel } from '../slack/blocks/describe.js';
import { buildHeaderMessage, buildUnknownIntegration } from '../slack/blocks/messages.js';
import { buildLoadingModal, buildNoticeModal, buildOAuthModal, buildReauthModal, type ModalView } from '../slack/blocks/modals.js';
import { escapeMrkdwn } from '../slack/blocks/text.js';
import { tellUser } from './reply.js';


export interface OpenRequest {
  triggerId: string;
  userId: string;
  integrationId: string;
  respond?: RespondFn | undefined;
}

/** What the person should see for this integration, once they are known to be allowed. */
export function surfaceFor(rt: Runtime, integration: IntegrationRow, userId: string): ModalView {
  const spec = authSpec(integration.provider as ProviderKey, integration.authType as AuthKey);
  if (spec?.form.kind === 'oauth') {
    const endpoints = oauthEndpoints(rt.config, integration.provider as ProviderKey);
    if (!endpoints) {
      return buildNoticeModal('Not available yet', `:warning: Signing in with ${providerLabel(integration.provider)} is not set up for this Reauth: an admin must set ${oauthSetupHint(integration.provider as ProviderKey)}. Nothing was changed.`);
    }
    const now = rt.clock.now();
    const issued = issueOAuthState(rt.db, rt.keyring, { integrationId: integration.id, slackUserId: userId, codeVerifier: endpoints.pkce ? newPkceVerifier() : undefined }, now);
    recordAudit(rt.db, { actor: userId, integrationId: integration.id, action: 'reauth.oauth_link', outcome: 'issued' }, now);
    const link = `${rt.config.publicUrl}/oauth/start?state=${encodeURIComponent(issued.state)}`;
    return buildOAuthModal(integration, link, issued.expiresAt);
  }
  return buildReauthModal(integration, rt.signer.sign({ integrationId: integration.id, auth: integration.authType, userId }));
}

export function refusalFor(rt: Runtime, integration: IntegrationRow): ModalView {
  const approvers = rt.authoriser.approvers(integration.owners);
  return buildNoticeModal(
    'Not allowed',
    `:no_entry: You cannot re-authenticate *${escapeMrkdwn(integration.name)}*. ${approvers.length ? `Ask ${mentionAll(approvers)}.` : 'It has no owners and there are no Reauth admins: set owners in integrations.yml or REAUTH_ADMINS.'}`,
  );
}

/**
 * Opens the right modal for `/reauth <id>` or a Re-authenticate button, inside Slack's 3-second
 * trigger window: only a local database read happens before views.open; when permission depends
 * on a user group, a light view opens first and is updated once the group is read.
 */
export async function openReauth(rt: Runtime, request: OpenRequest): Promise<void> {
  const now = () => rt.clock.now();
  const integration = findActiveIntegration(rt.db, request.integrationId);
  if (!integration) {
    const ids = listActiveIntegrations(rt.db).map((i) => i.id);
    await tellUser(rt, request.userId, buildUnknownIntegration(request.integrationId, closestIds(request.integrationId, ids)), request.respond);
    return;
  }
  const audit = (outcome: string) => recordAudit(rt.db, { actor: request.userId, integrationId: integration.id, action: 'reauth.open', outcome }, now());
  const spec = authSpec(integration.provider as ProviderKey, integration.authType as AuthKey);

  let first: ModalView;
  let needsLookup = false;
  if (!spec || spec.form.kind === 'unsupported') {
    audit('unsupported_app_type');
    const instead = spec?.form.kind === 'unsupported' ? spec.form.instead : 'Change it in integrations.yml.';
    first = buildNoticeModal('Not available', `:information_source: Re-authentication is not available for *${escapeMrkdwn(integration.name)}*: it is a ${escapeMrkdwn(spec?.label ?? integration.authType)} integration, and Reauth holds no credential for it.\n${escapeMrkdwn(instead)}`);
  } else {
    const decision = rt.authoriser.decideFast(request.userId, integration.owners);
    if (decision === 'allowed') {
      audit('allowed');
      first = surfaceFor(rt, integration, request.userId);
    } else if (decision === 'denied') {
      audit('permission_denied');
      first = refusalFor(rt, integration);
    } else {
      needsLookup = true;
      first = buildLoadingModal(`Checking that you may re-authenticate *${escapeMrkdwn(integration.name)}*…`);
    }
  }

  let viewId: string | undefined;
  try {
    const opened = await rt.slack.views.open({ trigger_id: request.triggerId, view: first });
    viewId = opened.view?.id;
  } catch (error) {
    const code = slackErrorCode(error);
    rt.logger.warn({ integration: integration.id, error: code }, 'views.open failed');
    const again = `run \`/reauth ${integration.id}\` again`;
    const text = /trigger/.test(code)
      ? `Slack closed the window for opening the form before Reauth could (${code}). Please ${again}.`
      : code === 'ratelimited'
        ? `Slack is rate-limiting Reauth and did not open the form (ratelimited). Please ${again} in a minute.`
        : code === 'slack_unreachable'
          ? `Reauth could not reach Slack to open the form (slack_unreachable). Please ${again} in a moment; if it keeps happening, tell your Reauth admin.`
          : `Slack did not open the form (${code}). Please ${again} in a moment; if it keeps happening, tell your Reauth admin.`;
    await tellUser(rt, request.userId, buildHeaderMessage('Could not open the form', text), request.respond);
    return;
  }
  if (!needsLookup || !viewId) return;

  const allowed = await rt.authoriser.canManage(request.userId, integration.owners);
  audit(allowed ? 'allowed' : 'permission_denied');
  try {
    await rt.slack.views.update({ view_id: viewId, view: allowed ? surfaceFor(rt, integration, request.userId) : refusalFor(rt, integration) });
  } catch (error) {
    rt.logger.warn({ integration: integration.id, error: slackErrorCode(error) }, 'views.update after the access check failed');
  }
}
