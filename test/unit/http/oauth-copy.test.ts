import { describe, expect, it } from 'vitest';
import { oauthStopPage, signedInPage } from '../../../src/http/oauth-copy.js';
import type { OAuthStop } from '../../../src/services/oauth-flow.js';

const AGAIN = 'Start again with Re-authenticate in Slack.';

/** Every way a sign-in stops, as the browser is shown it (docs/http.md): the status, the title, the words. */
const CASES: [OAuthStop, number, string, string][] = [
  [
    { problem: 'throttled' },
    429,
    'Too many unknown sign-in links',
    'This address asked for too many sign-in links Reauth never issued. Wait a minute, then start again from Slack.',
  ],
  [
    { problem: 'bad_link', link: 'unknown', at: 'callback' },
    400,
    'This sign-in link is not valid',
    `Reauth does not know this sign-in request. ${AGAIN}`,
  ],
  [
    { problem: 'bad_link', link: 'reused', at: 'callback' },
    400,
    'This sign-in link was already used',
    `Each sign-in link works once. ${AGAIN}`,
  ],
  [
    { problem: 'bad_link', link: 'expired', at: 'callback' },
    400,
    'This sign-in link has expired',
    `Sign-in links are valid for 10 minutes. ${AGAIN}`,
  ],
  [
    { problem: 'bad_link', link: 'already_opened', at: 'start' },
    400,
    'This sign-in link cannot be used',
    `This sign-in link was already opened, in another browser or tab; it works once. ${AGAIN}`,
  ],
  [
    { problem: 'bad_link', link: 'expired', at: 'start' },
    400,
    'This sign-in link cannot be used',
    `This sign-in link has expired (they last 10 minutes). ${AGAIN}`,
  ],
  [
    { problem: 'foreign' },
    403,
    'This sign-in belongs to someone else',
    'This sign-in was started from another browser or by another person, so it was refused and nothing was changed. Start again with Re-authenticate in Slack, in this browser.',
  ],
  [
    { problem: 'not_found', at: 'start' },
    404,
    'Sign-in is not available',
    'The integration no longer exists, or its OAuth client is not configured. Nothing was changed.',
  ],
  [
    { problem: 'not_found', at: 'callback' },
    404,
    'Integration not found',
    'The integration no longer exists or no longer uses OAuth. Nothing was changed.',
  ],
  [
    { problem: 'permission_denied', integrationName: 'Bitbucket (Acme)' },
    403,
    'You may no longer re-authenticate this integration',
    'You are no longer an owner of Bitbucket (Acme) or a Reauth admin, so this sign-in was refused and nothing was changed. Ask one of its owners or a Reauth admin.',
  ],
  [
    { problem: 'declined', provider: 'Bitbucket', error: 'access_denied', description: 'The user said no' },
    400,
    'Bitbucket did not grant access',
    'Bitbucket answered "access_denied" (The user said no). Nothing was changed; start again with Re-authenticate in Slack if you want to retry.',
  ],
  [
    { problem: 'declined', provider: 'Bitbucket', error: 'access_denied', description: undefined },
    400,
    'Bitbucket did not grant access',
    'Bitbucket answered "access_denied". Nothing was changed; start again with Re-authenticate in Slack if you want to retry.',
  ],
  [
    { problem: 'no_code', provider: 'Bitbucket' },
    400,
    'No authorization code',
    'Bitbucket sent no authorization code. Nothing was changed; start again from Slack.',
  ],
  [
    { problem: 'not_configured', setupHint: 'BITBUCKET_OAUTH_CLIENT_ID and BITBUCKET_OAUTH_CLIENT_SECRET' },
    503,
    'Sign-in is not set up',
    'An admin must set BITBUCKET_OAUTH_CLIENT_ID and BITBUCKET_OAUTH_CLIENT_SECRET. Nothing was changed.',
  ],
  [
    { problem: 'exchange_failed', reason: 'Bitbucket refused the code (invalid_grant).' },
    502,
    'Sign-in failed',
    'Bitbucket refused the code (invalid_grant). Nothing was changed.',
  ],
  [
    { problem: 'access_unusable', reason: 'The token lacks the repository scope.' },
    502,
    'The new access does not work',
    'The token lacks the repository scope.',
  ],
];

describe('the OAuth pages', () => {
  it.each(CASES)('%o: %i %s', (stop, status, title, message) => {
    expect(oauthStopPage(stop)).toEqual([status, { title, message, ok: false }]);
  });

  it('say a stored sign-in, and where the result goes', () => {
    expect(signedInPage({ integrationName: 'Bitbucket', reason: 'Signed in as Jane.', also: '' })).toEqual({
      title: 'Bitbucket is re-authenticated',
      message: 'Signed in as Jane. The result is posted in Slack.',
      ok: true,
    });
  });
});
