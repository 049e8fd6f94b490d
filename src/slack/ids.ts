/** Every Slack action_id, block_id and callback_id Reauth uses, each defined once. */

export const COMMAND = '/reauth';

/** Input block ids of the re-authentication modal: public (docs/slack.md). */
export const INPUT_BLOCK = {
  email: 'email',
  username: 'username',
  token: 'token',
  privateKey: 'private_key',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  expiresOn: 'expires_on',
} as const;

export const INPUT_ACTION = {
  email: 'email_value',
  username: 'username_value',
  token: 'token_value',
  privateKey: 'private_key_value',
  clientId: 'client_id_value',
  clientSecret: 'client_secret_value',
  expiresOn: 'expires_on_value',
} as const;

/** The same-account confirmation: its input block (public, docs/slack.md), action and the one option. */
export const CONFIRM_ACCOUNT = {
  block: 'confirm_account',
  action: 'confirm_account_value',
  replace: 'replace',
} as const;

export const CALLBACK = {
  reauthModal: 'reauth_modal',
  /** "This credential belongs to another account: replace?" */
  confirmAccount: 'reauth_confirm_account',
  noticeModal: 'reauth_notice',
} as const;

export const ACTION = {
  /** Opens the re-authentication surface; value = integration id. */
  reauthenticate: 'reauth_open',
  /** Probes now; value = integration id. */
  checkNow: 'check_now',
  /** Snoozes reminders 24 h; value = integration id. */
  snooze: 'snooze_24h',
  /** URL buttons: acked so Slack shows no warning. */
  oauthLink: 'oauth_link',
  /** URL button to the one-time secret-entry page outside Slack (public, docs/slack.md). */
  openWebForm: 'open_web_form',
  /** Result view: back to the form. */
  tryAgain: 'reauth_try_again',
  /** Overview paging; value = page number. */
  overviewPage: 'overview_page',
  /** Renews a credential through the provider's API now (on an expiry warning); value = integration id. */
  rotateNow: 'rotate_now',
} as const;
