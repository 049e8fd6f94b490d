import { durationText, WEB_FORM_LIFETIME_MS } from '../domain/lifetimes.js';
import { START_AGAIN_IN_SLACK } from '../services/copy.js';
import type { WebFormRefusal } from '../services/web-form.js';

/** Each refusal of the secret-entry page: its HTTP status, title and words (the service may give a more specific sentence). */
export const WEB_FORM_REFUSALS = {
  unknown: [
    404,
    'This link is not valid',
    `Reauth does not know this link (it may be mistyped or cut short, or Reauth's key was changed since). ${START_AGAIN_IN_SLACK}`,
  ],
  used: [
    410,
    'This link was already used',
    `Each link works for one change, and this one has made it. ${START_AGAIN_IN_SLACK}`,
  ],
  expired: [
    410,
    'This link has expired',
    `Links to this page work for ${durationText(WEB_FORM_LIFETIME_MS)}. ${START_AGAIN_IN_SLACK}`,
  ],
  other_browser: [
    403,
    'This link is open in another browser',
    `The link works only in the browser that opened it first, so nothing was changed here. ${START_AGAIN_IN_SLACK}`,
  ],
  bad_form: [
    403,
    'This form could not be verified',
    `The page was not sent by this browser's copy of the form (its anti-forgery field is missing or wrong), so nothing was changed. Reload the page, or ${START_AGAIN_IN_SLACK.toLowerCase()}`,
  ],
  not_found: [
    404,
    'Integration not found',
    'The integration was removed from integrations.yml, or no longer takes a typed credential. Nothing was changed.',
  ],
  in_use: [
    409,
    'This link is being used right now',
    'Another request with this link is being checked at this moment (the form was sent twice?), so this one changed nothing. Wait a few seconds and reload the page to see the outcome.',
  ],
  throttled: [
    429,
    'Too many unknown links',
    'This address asked for too many links Reauth never issued. Wait a minute, then open the link from Slack again.',
  ],
  permission_denied: [
    403,
    'You may not re-authenticate this integration',
    'You are no longer one of its owners or a Reauth admin, so nothing was changed. Ask one of its owners or a Reauth admin.',
  ],
  incomplete: [
    400,
    'Nothing to save',
    `The form arrived without a credential and without a confirmation, so nothing was changed. ${START_AGAIN_IN_SLACK}`,
  ],
  tampered: [
    400,
    'This form was altered',
    'The form was changed on its way here, so nothing was changed. Reload the page and try again.',
  ],
  changed: [
    409,
    'Nothing was changed',
    'The credential changed while this was being checked, so nothing was changed here. Start over from Slack.',
  ],
} as const satisfies Record<WebFormRefusal, readonly [status: number, title: string, message: string]>;
