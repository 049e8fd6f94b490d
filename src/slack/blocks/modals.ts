import { durationText, OAUTH_STATE_LIFETIME_MS, WEB_FORM_LIFETIME_MS } from '../../domain/lifetimes.js';
import type { ModalView } from '@slack/types';
import type { Integration } from '../../domain/types.js';
import { CLIENTS } from '../../providers/machine/clients.js';
import { authSpec } from '../../providers/registry.js';
import type { CredentialForm } from '../../providers/types.js';
import type { ReauthResult } from '../../domain/reauth-result.js';
import { ACTION, CALLBACK, INPUT_ACTION, INPUT_BLOCK } from '../ids.js';
import { authLabel, providerLabel } from './describe.js';
import { buildOutcomeDetails, buildTokenFailures } from './outcome.js';
import { actions, button, context, escapeMrkdwn, fields, plain, section, slackDate, type Block } from './text.js';

/** Every modal Reauth opens. Titles stay within Slack's 24 characters. */

export type { ModalView };

const TITLE = 'Re-authenticate';

function integrationSummary(integration: Integration): Block[] {
  return [
    section(`*${escapeMrkdwn(integration.name)}*  \`${integration.id}\``),
    fields([
      ['Provider', providerLabel(integration.provider)],
      [
        'Auth type',
        `${escapeMrkdwn(authLabel(integration.provider, integration.authType))} (\`${integration.authType}\`)`,
      ],
      ['URL', escapeMrkdwn(integration.url)],
      ...(integration.service ? ([['Service', integration.service]] as [string, string][]) : []),
    ]),
  ];
}

/** A view without inputs: something to read, and a button to close it. */
function infoModal(title: string, blocks: Block[], close = 'Close'): ModalView {
  return { type: 'modal', callback_id: CALLBACK.noticeModal, title: plain(title, 24), close: plain(close), blocks };
}

/** A light view opened at once while something is looked up. */
export function buildLoadingModal(text: string): ModalView {
  return infoModal(TITLE, [section(`:hourglass_flowing_sand: ${text}`)]);
}

export function buildNoticeModal(title: string, text: string, extra: Block[] = []): ModalView {
  return infoModal(title, [section(text), ...extra]);
}

/** The form: read-only facts, then exactly the inputs this provider/auth row needs. */
/** The one-time link to Reauth's own page for typing the credential outside Slack (SECRET_ENTRY). */
export interface WebFormLink {
  link: string;
  expiresAt: Date;
  /** SECRET_ENTRY=web: the modal holds no secret input at all, only the link. */
  only: boolean;
}

function webFormBlocks(integration: Integration, web: WebFormLink): Block[] {
  const intro = web.only
    ? `Your organisation keeps secrets out of Slack: type the new credential for *${escapeMrkdwn(integration.name)}* on Reauth's own page.`
    : "Or, to keep the secret out of Slack, type it on Reauth's own page instead:";
  return [
    section(intro),
    actions(
      'web_form_actions',
      button('Open the secure page', ACTION.openWebForm, {
        url: web.link,
        ...(web.only ? { style: 'primary' as const } : {}),
      }),
    ),
    context(
      `The link is for you only, opens in one browser, and expires ${slackDate(web.expiresAt)} (${durationText(WEB_FORM_LIFETIME_MS)}). The result is posted here in Slack.`,
    ),
  ];
}

export function buildReauthModal(integration: Integration, metadata: string, web?: WebFormLink): ModalView {
  if (web?.only) {
    return infoModal(TITLE, [
      ...integrationSummary(integration),
      context(':lock: The auth type cannot be changed here; change it in `integrations.yml`.'),
      ...webFormBlocks(integration, web),
    ]);
  }
  const spec = authSpec(integration.provider, integration.authType);
  const form = spec?.form;
  if (form?.kind === 'machine') return formModal(integration, metadata, machineInputs(form), web);
  if (form?.kind !== 'token') throw new Error(`${integration.id} does not take a typed credential`);
  const inputs: Block[] = [];
  if (form.identifier === 'email') {
    inputs.push({
      type: 'input',
      block_id: INPUT_BLOCK.email,
      label: plain('Account email'),
      hint: plain(`The email of the ${providerLabel(integration.provider)} account the token belongs to.`),
      element: { type: 'email_text_input', action_id: INPUT_ACTION.email, placeholder: plain('name@company.com') },
    });
  }
  if (form.identifier === 'username') {
    inputs.push({
      type: 'input',
      block_id: INPUT_BLOCK.username,
      label: plain('User name (login)'),
      hint: plain('The login of the user the token belongs to, not the display name.'),
      element: { type: 'plain_text_input', action_id: INPUT_ACTION.username, max_length: 255 },
    });
  }
  inputs.push({
    type: 'input',
    block_id: INPUT_BLOCK.token,
    label: plain(form.tokenLabel),
    hint: plain(form.hint, 2000),
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION.token,
      multiline: form.pool,
      max_length: 3000,
      placeholder: plain(form.pool ? 'One token per line' : 'Paste the token'),
    },
  });
  if (form.expiryHint) inputs.push(expiryInput(form.expiryHint));
  return formModal(integration, metadata, inputs, web);
}

/** The re-authentication form around its inputs. */
function formModal(integration: Integration, metadata: string, inputs: Block[], web?: WebFormLink): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK.reauthModal,
    title: plain(TITLE),
    submit: plain('Validate and save'),
    close: plain('Cancel'),
    private_metadata: metadata,
    blocks: [
      ...integrationSummary(integration),
      context(
        ':lock: The auth type cannot be changed here; change it in `integrations.yml`. The new credential is checked against the provider and saved only if it works.',
      ),
      ...inputs,
      context('What you paste is never shown back, posted or logged: it is sealed and sent only to the provider.'),
      ...(web ? webFormBlocks(integration, web) : []),
    ],
  };
}

/** Slack's longest plain_text_input; a longer private key goes on the one-time page (SPEC §12). */
export const SLACK_INPUT_MAX = 3000;

/** A machine identity's root secret (SPEC §12): an App's private key, or a client id, secret and end date. */
function machineInputs(form: Extract<CredentialForm, { kind: 'machine' }>): Block[] {
  if (form.root === 'private_key')
    return [
      {
        type: 'input',
        block_id: INPUT_BLOCK.privateKey,
        label: plain('Private key (.pem)'),
        hint: plain(
          `${form.hint} A key longer than ${SLACK_INPUT_MAX.toLocaleString('en')} characters goes on the secure page.`,
          2000,
        ),
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION.privateKey,
          multiline: true,
          max_length: SLACK_INPUT_MAX,
          placeholder: plain('-----BEGIN RSA PRIVATE KEY-----'),
        },
      },
    ];
  const words = CLIENTS[form.client];
  return [
    {
      type: 'input',
      block_id: INPUT_BLOCK.clientId,
      label: plain(words.idLabel),
      hint: plain(form.hint, 2000),
      element: { type: 'plain_text_input', action_id: INPUT_ACTION.clientId, max_length: 128 },
    },
    {
      type: 'input',
      block_id: INPUT_BLOCK.clientSecret,
      label: plain(words.secretLabel),
      element: {
        type: 'plain_text_input',
        action_id: INPUT_ACTION.clientSecret,
        max_length: 256,
        ...(words.secretPlaceholder ? { placeholder: plain(words.secretPlaceholder) } : {}),
      },
    },
    ...(words.endDate ? [expiryInput(words.endDate.hint)] : []),
  ];
}

/** The optional end date of a credential whose provider does not tell it (a datepicker, block expires_on). */
function expiryInput(hint: string): Block {
  return {
    type: 'input',
    block_id: INPUT_BLOCK.expiresOn,
    optional: true,
    label: plain('Expires on'),
    hint: plain(hint),
    element: { type: 'datepicker', action_id: INPUT_ACTION.expiresOn, placeholder: plain('Pick its end date') },
  };
}

export function buildValidatingModal(integration: Integration): ModalView {
  return infoModal(TITLE, [
    section(
      `:hourglass_flowing_sand: *Validating connection…*\nChecking the new credential for *${escapeMrkdwn(integration.name)}* with ${providerLabel(integration.provider)}.`,
    ),
    context('You can close this window: the result will be sent to you in a direct message.'),
  ]);
}

export function buildResultModal(result: ReauthResult): ModalView {
  if (result.ok) {
    const others = result.affected.filter((a) => a.id !== result.integration.id);
    return infoModal(
      'Re-authenticated',
      [
        section(
          `:white_check_mark: *${escapeMrkdwn(result.integration.name)} is re-authenticated.*\n${escapeMrkdwn(result.validation.outcome.reason)}`,
        ),
        ...buildOutcomeDetails(result.validation),
        ...(others.length
          ? [
              context(
                `The same credential now also serves ${others.map((o) => `*${escapeMrkdwn(o.name)}*`).join(', ')}.`,
              ),
            ]
          : []),
      ],
      'Done',
    );
  }
  const blocks: Block[] = [
    section(`:x: *Not saved.* ${escapeMrkdwn(result.reason)}`),
    ...buildTokenFailures(result.tokens),
    context('Nothing was changed: the previous credential is still in place.'),
  ];
  if (result.integration && result.kind !== 'permission_denied' && result.kind !== 'not_found') {
    blocks.push(
      actions(
        'result_actions',
        button('Try again', ACTION.tryAgain, { value: result.integration.id, style: 'primary' }),
      ),
    );
  }
  return infoModal('Not re-authenticated', blocks);
}

export function buildOAuthModal(integration: Integration, link: string, expiresAt: Date): ModalView {
  const form = authSpec(integration.provider, integration.authType)?.form;
  const provider = form?.kind === 'oauth' ? form.signInWith : providerLabel(integration.provider);
  return infoModal(TITLE, [
    ...integrationSummary(integration),
    section(`Sign in with ${provider} to re-authenticate *${escapeMrkdwn(integration.name)}*. Nothing is typed here.`),
    actions('oauth_actions', button(`Continue to ${provider}`, ACTION.oauthLink, { url: link, style: 'primary' })),
    context(
      `The link is for you only, works once, and expires ${slackDate(expiresAt)} (${durationText(OAUTH_STATE_LIFETIME_MS)}). The result is posted here in Slack.`,
    ),
  ]);
}
