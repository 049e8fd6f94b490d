import { durationText, OAUTH_STATE_LIFETIME_MS } from '../domain/lifetimes.js';
import { START_AGAIN_IN_SLACK } from '../services/copy.js';
import type { LinkProblem, OAuthStop, SignedIn } from '../services/oauth-flow.js';

/** A page the browser is shown: the outcome in plain words. */
export interface OAuthPage {
  title: string;
  message: string;
  ok: boolean;
}

const REUSED = {
  title: 'This sign-in link was already used',
  message: `Each sign-in link works once. ${START_AGAIN_IN_SLACK}`,
};

/** At the callback a link is unknown, used (opening it twice counts as using it) or late. */
const LINK_AT_CALLBACK: Record<LinkProblem, { title: string; message: string }> = {
  unknown: {
    title: 'This sign-in link is not valid',
    message: `Reauth does not know this sign-in request. ${START_AGAIN_IN_SLACK}`,
  },
  reused: REUSED,
  already_opened: REUSED,
  expired: {
    title: 'This sign-in link has expired',
    message: `Sign-in links are valid for ${durationText(OAUTH_STATE_LIFETIME_MS)}. ${START_AGAIN_IN_SLACK}`,
  },
};

const LINK_AT_START: Record<LinkProblem, string> = {
  unknown: `Reauth does not know this sign-in link. ${START_AGAIN_IN_SLACK}`,
  reused: `This sign-in link was already used. ${START_AGAIN_IN_SLACK}`,
  expired: `This sign-in link has expired (they last ${durationText(OAUTH_STATE_LIFETIME_MS)}). ${START_AGAIN_IN_SLACK}`,
  already_opened: `This sign-in link was already opened, in another browser or tab; it works once. ${START_AGAIN_IN_SLACK}`,
};

const refused = (status: number, title: string, message: string): [number, OAuthPage] => [
  status,
  { title, message, ok: false },
];

/** Each way a sign-in stops, as HTTP (docs/http.md): its status and the page the browser is shown. */
export function oauthStopPage(stop: OAuthStop): [status: number, page: OAuthPage] {
  switch (stop.problem) {
    case 'throttled':
      return refused(
        429,
        'Too many unknown sign-in links',
        'This address asked for too many sign-in links Reauth never issued. Wait a minute, then start again from Slack.',
      );
    case 'bad_link':
      if (stop.at === 'start') return refused(400, 'This sign-in link cannot be used', LINK_AT_START[stop.link]);
      return refused(400, LINK_AT_CALLBACK[stop.link].title, LINK_AT_CALLBACK[stop.link].message);
    case 'foreign':
      return refused(
        403,
        'This sign-in belongs to someone else',
        'This sign-in was started from another browser or by another person, so it was refused and nothing was changed. Start again with Re-authenticate in Slack, in this browser.',
      );
    case 'not_found':
      return stop.at === 'start'
        ? refused(
            404,
            'Sign-in is not available',
            'The integration no longer exists, or its OAuth client is not configured. Nothing was changed.',
          )
        : refused(
            404,
            'Integration not found',
            'The integration no longer exists or no longer uses OAuth. Nothing was changed.',
          );
    case 'permission_denied':
      return refused(
        403,
        'You may no longer re-authenticate this integration',
        `You are no longer an owner of ${stop.integrationName} or a Reauth admin, so this sign-in was refused and nothing was changed. Ask one of its owners or a Reauth admin.`,
      );
    case 'declined':
      return refused(
        400,
        `${stop.provider} did not grant access`,
        `${stop.provider} answered "${stop.error}"${stop.description ? ` (${stop.description})` : ''}. Nothing was changed; start again with Re-authenticate in Slack if you want to retry.`,
      );
    case 'no_code':
      return refused(
        400,
        'No authorization code',
        `${stop.provider} sent no authorization code. Nothing was changed; start again from Slack.`,
      );
    case 'not_configured':
      return refused(503, 'Sign-in is not set up', `An admin must set ${stop.setupHint}. Nothing was changed.`);
    case 'exchange_failed':
      return refused(502, 'Sign-in failed', `${stop.reason} Nothing was changed.`);
    case 'access_unusable':
      return refused(502, 'The new access does not work', stop.reason);
  }
}

/** The page of a sign-in that stored its credential. */
export const signedInPage = (signedIn: SignedIn): OAuthPage => ({
  title: `${signedIn.integrationName} is re-authenticated`,
  message: `${signedIn.reason}${signedIn.also} The result is posted in Slack.`,
  ok: true,
});
