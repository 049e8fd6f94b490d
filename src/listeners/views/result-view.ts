import type { ModalView } from '@slack/types';
import type { ReauthResult } from '../../domain/reauth-result.js';
import { buildConfirmAccountModal } from '../../slack/blocks/confirm-account.js';
import { buildResultModal } from '../../slack/blocks/modals.js';
import type { Block } from '../../slack/blocks/text.js';
import type { ListenerServices } from '../services.js';

type Success = Extract<ReauthResult, { ok: true }>;

/**
 * The view that answers a submission: the result, or — for a credential of another account — the
 * confirmation, whose metadata carries the signed reference to the held credential (never the credential).
 */
export function answerView(services: ListenerServices, result: ReauthResult, userId: string): ModalView {
  if (!result.ok && result.kind === 'confirm_account' && result.confirmation && result.integration) {
    const metadata = services.signer.sign({
      integrationId: result.integration.id,
      auth: result.integration.authType,
      userId,
      ref: result.confirmation.reference,
    });
    return buildConfirmAccountModal(result.integration, result.confirmation, metadata);
  }
  return buildResultModal(result);
}

/** The result view with the new credential's delivery lines (pending at first; kept current afterwards), and whether it has any. */
export async function withDelivery(
  services: ListenerServices,
  result: Success,
  view: ModalView,
): Promise<{ view: ModalView; tracked: boolean }> {
  const lines = await services.notices.linesFor(result.credential.id);
  return lines.length
    ? { view: { ...view, blocks: services.notices.addLines(view.blocks as Block[], lines) }, tracked: true }
    : { view, tracked: false };
}

/** Answers in the modal itself (within Slack's 3 seconds) with a successful result, its delivery lines kept current. */
export async function ackSuccess(
  services: ListenerServices,
  ack: (response: { response_action: 'update'; view: ModalView }) => Promise<void>,
  result: Success,
  viewId: string,
): Promise<void> {
  const resultView = buildResultModal(result);
  const shown = await withDelivery(services, result, resultView);
  await ack({ response_action: 'update', view: shown.view });
  if (shown.tracked)
    await services.notices.remember(result.credential.id, result.integration.id, { viewId, view: resultView });
}
