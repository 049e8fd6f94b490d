import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewClosedAction, ViewSubmitAction } from '@slack/bolt';
import { buildResultModal } from '../../slack/blocks/modals.js';
import { CONFIRM_ACCOUNT } from '../../slack/ids.js';
import type { ListenerServices } from '../services.js';
import { ackSuccess } from './result-view.js';

type Values = ViewSubmitAction['view']['state']['values'];

/** Whether the one `replace` option of the confirm_account block is checked (whatever its action id). */
function replaceChecked(values: Values): boolean {
  return Object.values(values[CONFIRM_ACCOUNT.block] ?? {}).some((action) =>
    (action.selected_options ?? []).some((o) => o.value === CONFIRM_ACCOUNT.replace),
  );
}

/**
 * "This credential belongs to another account: replace?" submitted. Checked: the credential Reauth
 * holds for this user and this view is swapped in (if it still may be); unchecked: it is discarded.
 * Either way the held credential is used up.
 */
export function handleConfirmAccount(services: ListenerServices) {
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const userId = body.user.id;
    const metadata = services.signer.verify(view.private_metadata);
    if (!metadata?.ref || metadata.userId !== userId) {
      await services.reauth.recordTampered(
        userId,
        metadata?.integrationId ?? null,
        metadata ? 'other_user' : 'bad_signature',
      );
      await ack({
        response_action: 'errors',
        errors: {
          [CONFIRM_ACCOUNT.block]:
            'This confirmation was altered or belongs to someone else, so it was refused and nothing was changed. Open the form again with /reauth <id>.',
        },
      });
      return;
    }
    const result = await services.reauth.confirm({
      reference: metadata.ref,
      integrationId: metadata.integrationId,
      actor: userId,
      boundTo: `view:${view.id}`,
      how: 'modal',
      replace: replaceChecked(view.state.values),
    });
    if (result.ok) await ackSuccess(services, ack, result, view.id);
    else await ack({ response_action: 'update', view: buildResultModal(result) });
  };
}

/** The confirmation closed (Cancel or ×): the held credential is discarded at once rather than when it expires. */
export function handleConfirmAccountClosed(services: ListenerServices) {
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewClosedAction>): Promise<void> => {
    await ack();
    const metadata = services.signer.verify(view.private_metadata);
    if (!metadata?.ref || metadata.userId !== body.user.id) return;
    await services.reauth.confirm({
      reference: metadata.ref,
      integrationId: metadata.integrationId,
      actor: body.user.id,
      boundTo: `view:${view.id}`,
      how: 'modal',
      replace: false,
    });
  };
}
