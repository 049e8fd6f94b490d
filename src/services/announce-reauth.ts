import type { IntegrationRow } from '../db/repositories/integrations.js';
import type { CredentialValidation, ValidOutcome } from '../providers/outcome.js';
import { buildReauthConfirmation } from '../slack/blocks/messages.js';
import { buildOutcomeDetails } from '../slack/blocks/outcome.js';
import { alertChannelOf, alertKeyOf, type AlertDeps, type Alerts } from './alerts.js';
import { slackErrorCode } from './slack-errors.js';

/**
 * After a successful re-authentication: the open alert (if any) is edited to resolved with the
 * outcome in its thread, and one short confirmation goes to each channel the integrations use.
 */
export async function announceReauth(
  deps: AlertDeps,
  alerts: Alerts,
  params: { integration: IntegrationRow; affected: readonly IntegrationRow[]; validation: CredentialValidation & { outcome: ValidOutcome }; actor: string; how: 'modal' | 'oauth' },
): Promise<void> {
  const affected = params.affected.length ? params.affected : [params.integration];
  const confirmation = buildReauthConfirmation({
    actor: params.actor,
    integrations: affected,
    fingerprints: params.validation.tokens.map((t) => t.fingerprint),
    outcome: params.validation.outcome,
    how: params.how,
  });
  await alerts.resolve(alertKeyOf(params.integration), {
    by: params.actor,
    how: params.how === 'oauth' ? 're-authenticated by signing in' : 're-authenticated with a new credential',
    thread: { text: confirmation.text, blocks: [...confirmation.blocks, ...buildOutcomeDetails(params.validation)] },
  });
  const channels = new Set(affected.map((i) => alertChannelOf(deps, i)).filter((c): c is string => c !== undefined));
  for (const channel of channels) {
    try {
      await deps.slack.chat.postMessage({ channel, text: confirmation.text, blocks: confirmation.blocks });
    } catch (error) {
      deps.logger.warn({ channel, integration: params.integration.id, error: slackErrorCode(error) }, 'could not post the re-authentication confirmation');
    }
  }
}
