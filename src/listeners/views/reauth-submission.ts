import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ReauthResult } from '../../domain/reauth-result.js';
import { buildResultModal, buildValidatingModal } from '../../slack/blocks/modals.js';
import { slackErrorCode } from '../../slack/errors.js';
import { truncate } from '../../slack/blocks/text.js';
import { INPUT_ACTION, INPUT_BLOCK } from '../../slack/ids.js';
import type { ListenerServices } from '../services.js';
import { ackSuccess, answerView, withDelivery } from './result-view.js';

/** How long a submission may take and still answer in the modal itself (Slack allows 3 s). */
export const DEFAULT_FAST_PATH_MS = 2000;

type Values = ViewSubmitAction['view']['state']['values'];

function inputValue(values: Values, block: string, action: string): string | undefined {
  const value = values[block]?.[action]?.value;
  return typeof value === 'string' ? value : undefined;
}

/** A datepicker's YYYY-MM-DD, when one was picked. */
function dateValue(values: Values, block: string, action: string): string | undefined {
  const value = values[block]?.[action]?.selected_date;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The modal's submission. Nothing from the form is trusted: the integration, the caller's
 * permission and the auth type are re-read. Validation that finishes within the fast-path budget
 * answers in place (field errors, or the result); slower validation shows "Validating…" and the
 * result replaces it — or goes by direct message if the person closed the modal.
 */
export function handleReauthSubmission(services: ListenerServices, fastPathMs = DEFAULT_FAST_PATH_MS) {
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const userId = body.user.id;
    const metadata = services.signer.verify(view.private_metadata);
    if (!metadata || metadata.userId !== userId) {
      await services.reauth.recordTampered(
        userId,
        metadata?.integrationId ?? null,
        metadata ? 'other_user' : 'bad_signature',
      );
      await ack({
        response_action: 'errors',
        errors: {
          // Under an input the form has (a machine identity's has no token input).
          [Object.keys(view.state.values)[0] ?? INPUT_BLOCK.token]:
            'This form was altered or belongs to someone else, so it was refused and nothing was changed. Open it again with /reauth <id>.',
        },
      });
      return;
    }
    const values = view.state.values;
    const presentBlocks = Object.keys(values);
    const work = services.reauth.reauthenticate({
      integrationId: metadata.integrationId,
      actor: userId,
      expectedAuth: metadata.auth,
      raw: {
        email: inputValue(values, INPUT_BLOCK.email, INPUT_ACTION.email),
        username: inputValue(values, INPUT_BLOCK.username, INPUT_ACTION.username),
        token: inputValue(values, INPUT_BLOCK.token, INPUT_ACTION.token),
        private_key: inputValue(values, INPUT_BLOCK.privateKey, INPUT_ACTION.privateKey),
        client_id: inputValue(values, INPUT_BLOCK.clientId, INPUT_ACTION.clientId),
        client_secret: inputValue(values, INPUT_BLOCK.clientSecret, INPUT_ACTION.clientSecret),
        expires_on: dateValue(values, INPUT_BLOCK.expiresOn, INPUT_ACTION.expiresOn),
      },
      submittedFields: presentBlocks,
      how: 'modal',
      // A confirmation for another account is accepted only from this view (its id survives updates).
      boundTo: `view:${view.id}`,
    });

    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), fastPathMs);
    });
    const first = await Promise.race([work, slow]);
    clearTimeout(timer);

    if (first !== 'slow') {
      if (first.ok) await ackSuccess(services, ack, first, view.id);
      else if (first.kind === 'confirm_account')
        await ack({ response_action: 'update', view: answerView(services, first, userId) });
      else {
        const field = presentBlocks.includes(first.field) ? first.field : (presentBlocks[0] ?? INPUT_BLOCK.token);
        await ack({ response_action: 'errors', errors: { [field]: truncate(first.reason, 1500) } });
      }
      return;
    }

    const integration = await services.reauth.find(metadata.integrationId);
    if (integration) await ack({ response_action: 'update', view: buildValidatingModal(integration) });
    else await ack();
    const result = await work;
    const resultView = answerView(services, result, userId);
    try {
      const shown = result.ok ? await withDelivery(services, result, resultView) : { view: resultView, tracked: false };
      await services.slack.views.update({ view_id: view.id, view: shown.view });
      if (result.ok && shown.tracked)
        await services.notices.remember(result.credential.id, result.integration.id, {
          viewId: view.id,
          view: resultView,
        });
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== 'not_found')
        services.logger.warn({ error: code }, 'could not show the validation result in the modal');
      // The person closed the modal (or Slack refused): the outcome goes to them directly.
      await tellClosed(services, result, userId, view.id);
    }
  };
}

/**
 * The modal was closed before the slow result arrived: the outcome goes by direct message. A
 * credential of another account cannot be confirmed any more (its view is gone): it is discarded.
 */
async function tellClosed(
  services: ListenerServices,
  result: ReauthResult,
  userId: string,
  viewId: string,
): Promise<void> {
  let shown = result;
  if (!result.ok && result.kind === 'confirm_account' && result.confirmation && result.integration) {
    shown = await services.reauth.confirm({
      reference: result.confirmation.reference,
      integrationId: result.integration.id,
      actor: userId,
      boundTo: `view:${viewId}`,
      how: 'modal',
      replace: false,
    });
  }
  const text = shown.ok
    ? `${shown.integration.name} is re-authenticated.`
    : `Re-authentication was not saved: ${shown.reason}`;
  try {
    await services.slack.chat.postMessage({
      channel: userId,
      text,
      blocks: buildResultModal(shown).blocks.filter((b) => b.type !== 'actions'),
    });
  } catch (dmError) {
    services.logger.warn({ error: slackErrorCode(dmError) }, 'could not send the validation result by direct message');
  }
}
