import { durationText, PENDING_LIFETIME_MS } from '../../domain/lifetimes.js';
import type { ModalView } from '@slack/types';
import { describeAccount, type Account } from '../../domain/accounts.js';
import type { AccountConfirmation } from '../../domain/reauth-result.js';
import type { Integration } from '../../domain/types.js';
import { CALLBACK, CONFIRM_ACCOUNT } from '../ids.js';
import { providerLabel } from './describe.js';
import { context, escapeMrkdwn, plain, section, slackDate } from './text.js';

const listed = (accounts: readonly Account[]): string =>
  accounts.map((a) => `• ${escapeMrkdwn(describeAccount(a))}`).join('\n');

/**
 * "The credential you pasted belongs to another account: replace?" Names both accounts and carries a
 * reference to the credential Reauth holds, never the credential (not in blocks, not in metadata).
 * Unchecked or closed, nothing changes.
 */
export function buildConfirmAccountModal(
  integration: Integration,
  confirmation: AccountConfirmation,
  metadata: string,
): ModalView {
  const { current, next } = confirmation.accounts;
  const provider = providerLabel(integration.provider);
  return {
    type: 'modal',
    callback_id: CALLBACK.confirmAccount,
    title: plain('Confirm the account'),
    submit: plain('Continue'),
    close: plain('Cancel'),
    notify_on_close: true,
    private_metadata: metadata,
    blocks: [
      section(
        `:warning: *The credential you pasted for ${escapeMrkdwn(integration.name)} belongs to another ${provider} account.*\n${provider} accepted it, and nothing has changed yet.`,
      ),
      section(`*New credential:*\n${listed(next)}`),
      section(`*Current credential:*\n${listed(current)}`),
      context(
        'A personal token in place of a service account keeps working until that person leaves or loses access; then everything that uses it breaks at once.',
      ),
      {
        type: 'input',
        block_id: CONFIRM_ACCOUNT.block,
        optional: true,
        label: plain('Replace the current account?'),
        element: {
          type: 'checkboxes',
          action_id: CONFIRM_ACCOUNT.action,
          options: [
            {
              text: plain(`Yes, replace it with ${next.map(describeAccount).join(', ')}`, 75),
              value: CONFIRM_ACCOUNT.replace,
            },
          ],
        },
      },
      context(
        `Leave it unchecked, or cancel, to keep the current credential. Reauth holds the new one sealed until ${slackDate(confirmation.expiresAt)} (${durationText(PENDING_LIFETIME_MS)}), for you and this window only.`,
      ),
    ],
  };
}
