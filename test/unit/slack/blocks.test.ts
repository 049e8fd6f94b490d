import { describe, expect, it } from 'vitest';
import type { HealthState } from '../../../src/domain/types.js';
import type { Integration } from '../../../src/domain/types.js';
import { checkMessage, checkView } from '../../../src/sandbox/slack/block-kit-limits.js';
import { buildAlertMessage } from '../../../src/slack/blocks/alert.js';
import { buildOverview, buildStatus, OVERVIEW_PAGE_SIZE } from '../../../src/slack/blocks/messages.js';
import { buildOAuthModal, buildReauthModal, buildResultModal } from '../../../src/slack/blocks/modals.js';
import { durationText, OAUTH_STATE_LIFETIME_MS } from '../../../src/domain/lifetimes.js';
import { textOf } from '../../helpers/flows.js';
import { providerAuthRows } from '../../../src/providers/registry.js';
import { authSpec } from '../../../src/providers/registry.js';

const now = new Date('2026-11-28T10:00:00Z');
const make = (i: number, extra: Partial<Integration> = {}): Integration => ({
  id: `integration-${String(i).padStart(4, '0')}`,
  name: `Integration ${i}`,
  provider: 'gitlab',
  authType: 'pat',
  url: 'https://gitlab.com',
  organization: null,
  service: null,
  accountId: null,
  repository: null,
  machine: null,
  channel: 'C1',
  owners: ['U1'],
  credentialKey: `integration:${i}`,
  credentialVersion: 0,
  archivedAt: null,
  createdAt: now,
  updatedAt: now,
  ...extra,
});
const failing = (id: string): HealthState => ({
  integrationId: id,
  status: 'failing',
  outcome: 'invalid_credentials',
  reason: 'x'.repeat(400),
  since: now,
  lastCheckedAt: now,
  lastSuccessAt: null,
  consecutiveFailures: 1,
  firstFailureAt: now,
  nextProbeAt: null,
});

describe('durations the modals name', () => {
  it('follow the lifetime they describe (the sign-in link)', () => {
    const modal = buildOAuthModal(make(1), 'https://reauth.example/oauth/start?state=x', now);
    expect(textOf(modal.blocks)).toContain(`(${durationText(OAUTH_STATE_LIFETIME_MS)})`);
  });
});

describe("Block Kit builders stay within Slack's limits", () => {
  it('the overview pages by 20 with Next and Previous', () => {
    const list = Array.from({ length: 45 }, (_, i) => make(i));
    const first = buildOverview(list, new Map());
    expect(first.blocks.filter((b) => b.type === 'section' && 'accessory' in b)).toHaveLength(OVERVIEW_PAGE_SIZE);
    expect(JSON.stringify(first.blocks)).toContain('overview_page_next');
    expect(JSON.stringify(first.blocks)).not.toContain('overview_page_prev');
    const last = buildOverview(list, new Map(), 2);
    expect(last.blocks.filter((b) => 'accessory' in b)).toHaveLength(5);
    expect(JSON.stringify(last.blocks)).toContain('Page 3 of 3');
    for (const page of [first, last])
      expect(checkMessage({ text: page.text, blocks: page.blocks }, 'response_url')).toEqual([]);
  });

  it('status of 2,000 integrations, many failing, fits one message and says how many are left out', () => {
    const list = Array.from({ length: 2000 }, (_, i) => make(i));
    const health = new Map(list.slice(0, 300).map((i) => [i.id, failing(i.id)]));
    const status = buildStatus(list, health);
    expect(checkMessage({ text: status.text, blocks: status.blocks }, 'response_url')).toEqual([]);
    expect(status.text).toBe('Integration health: 300 failing, 1700 unknown, 0 healthy.');
    expect(JSON.stringify(status.blocks)).toMatch(/…and \d+ more/);
  });

  it('the re-authentication modal for every token row is a valid view with the public block ids', () => {
    for (const { provider, auth } of providerAuthRows()) {
      if (authSpec(provider, auth)?.form.kind !== 'token') continue;
      const view = buildReauthModal(
        make(1, { provider, authType: auth, name: 'A rather long integration name for testing' }),
        'm'.repeat(300),
      );
      expect(checkView(view), `${provider}/${auth}`).toEqual([]);
      const ids = view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id);
      for (const id of ids) expect(['email', 'username', 'token', 'expires_on']).toContain(id);
    }
  });

  it('the re-authentication modal for every machine identity is a valid view with the public block ids', () => {
    for (const { provider, auth } of providerAuthRows()) {
      if (authSpec(provider, auth)?.form.kind !== 'machine') continue;
      const view = buildReauthModal(make(1, { provider, authType: auth }), 'm'.repeat(300));
      expect(checkView(view), `${provider}/${auth}`).toEqual([]);
      const ids = view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id);
      for (const id of ids) expect(['private_key', 'client_id', 'client_secret', 'expires_on']).toContain(id);
    }
  });

  it('an alert with a very long reason and many owners is still a valid message', () => {
    const alert = buildAlertMessage({
      integrations: [make(1)],
      reason: 'r'.repeat(5000),
      since: now,
      lastSuccess: null,
      approvers: Array.from({ length: 50 }, (_, i) => `U${i}ABC`),
      source: 'probe',
      checkedAt: now,
    });
    expect(checkMessage({ text: alert.text, blocks: alert.blocks }, 'chat.postMessage')).toEqual([]);
    expect(checkMessage({ text: alert.text, blocks: alert.blocks }, 'chat.update')).toEqual([]);
  });

  it('a refusal result view offers Try again; a permission refusal does not', () => {
    const refused = buildResultModal({
      ok: false,
      integration: make(1),
      kind: 'invalid_credentials',
      reason: 'No.',
      field: 'token',
      tokens: [],
    });
    expect(checkView(refused)).toEqual([]);
    expect(JSON.stringify(refused)).toContain('reauth_try_again');
    expect(
      JSON.stringify(
        buildResultModal({
          ok: false,
          integration: make(1),
          kind: 'permission_denied',
          reason: 'No.',
          field: 'token',
          tokens: [],
        }),
      ),
    ).not.toContain('reauth_try_again');
  });
});
