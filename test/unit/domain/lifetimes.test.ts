import { describe, expect, it } from 'vitest';
import {
  durationText,
  OAUTH_STATE_LIFETIME_MS,
  PENDING_LIFETIME_MS,
  WEB_FORM_LIFETIME_MS,
} from '../../../src/domain/lifetimes.js';
import { buildOAuthModal } from '../../../src/slack/blocks/modals.js';
import { textOf } from '../../helpers/flows.js';

describe('durations in what people read', () => {
  it('are said in the largest unit that divides them', () => {
    expect(durationText(10 * 60_000)).toBe('10 minutes');
    expect(durationText(60_000)).toBe('1 minute');
    expect(durationText(3_600_000)).toBe('1 hour');
    expect(durationText(2 * 3_600_000)).toBe('2 hours');
    expect(durationText(90_000)).toBe('90 seconds');
    expect(durationText(1_500)).toBe('1500 milliseconds');
  });

  it('follow the lifetime they describe', () => {
    for (const lifetime of [WEB_FORM_LIFETIME_MS, OAUTH_STATE_LIFETIME_MS, PENDING_LIFETIME_MS])
      expect(durationText(lifetime)).toBe('10 minutes');
    const modal = buildOAuthModal(
      {
        id: 'bb',
        name: 'Bitbucket',
        provider: 'bitbucket',
        authType: 'oauth',
        url: 'https://api.bitbucket.org',
        organization: null,
        service: null,
        accountId: null,
        repository: null,
        channel: null,
        owners: [],
        credentialKey: 'integration:bb',
        credentialVersion: 0,
        archivedAt: null,
        createdAt: new Date(0),
        updatedAt: new Date(0),
      },
      'https://reauth.example/oauth/start?state=x',
      new Date(OAUTH_STATE_LIFETIME_MS),
    );
    expect(textOf(modal.blocks)).toContain(`(${durationText(OAUTH_STATE_LIFETIME_MS)})`);
  });
});
