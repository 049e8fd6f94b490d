import { describe, expect, it } from 'vitest';
import type { Integration } from '../../../src/domain/types.js';
import { renderMrkdwn } from '../../../src/sandbox/page/mrkdwn.js';
import { renderBlocks, renderModal, type RenderContext } from '../../../src/sandbox/page/render-blocks.js';
import {
  buildAlertMessage,
  buildExpiryWarning,
  buildReminder,
  buildResolvedAlert,
} from '../../../src/slack/blocks/alert.js';
import { buildHomeView } from '../../../src/slack/blocks/home.js';
import { buildHelp, buildOverview, buildStatus } from '../../../src/slack/blocks/messages.js';
import {
  buildNoticeModal,
  buildOAuthModal,
  buildReauthModal,
  buildValidatingModal,
} from '../../../src/slack/blocks/modals.js';

const ctx: RenderContext = {
  nameOf: (id) => ({ U1: 'jane', S1: 'platform' })[id] ?? id,
  container: { type: 'message', channel: 'C1', ts: '1.2' },
};
const now = new Date('2026-11-28T10:00:00Z');
const integration: Integration = {
  id: 'gitlab',
  name: 'GitLab <Acme>',
  provider: 'gitlab',
  authType: 'pat',
  url: 'https://gitlab.com',
  organization: null,
  service: null,
  accountId: null,
  repository: null,
  machine: null,
  channel: 'C1',
  owners: ['U1', 'S1'],
  credentialKey: 'integration:gitlab',
  credentialVersion: 0,
  archivedAt: null,
  createdAt: now,
  updatedAt: now,
};
const pool: Integration = { ...integration, id: 'github', name: 'GitHub', provider: 'github' };

describe('mrkdwn', () => {
  it('renders bold, italic, strike, code, links, mentions, dates, quotes and emoji', () => {
    const html = renderMrkdwn(
      '*bold* _it_ ~gone~ `code` <https://x.test/a?b=1|link> <@U1> <!subteam^S1> <!date^1^{date}|2026-11-28 10:00 UTC>\n> quoted :white_check_mark:',
      ctx,
    );
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('<i>it</i>');
    expect(html).toContain('<s>gone</s>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<a href="https://x.test/a?b=1" target="_blank" rel="noopener">link</a>');
    expect(html).toContain('<span class="mention">@jane</span>');
    expect(html).toContain('<span class="mention">@platform</span>');
    expect(html).toContain('<time>2026-11-28 10:00 UTC</time>');
    expect(html).toContain('<blockquote>quoted ✅</blockquote>');
  });

  it("never lets text inject HTML, and keeps Slack's own escapes", () => {
    const html = renderMrkdwn('<script>alert(1)</script> a &amp; b &lt;c&gt; "q"', ctx);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('a &amp; b &lt;c&gt; &quot;q&quot;');
  });
});

describe('Block Kit renderer', () => {
  it('renders every block and element type by hand', () => {
    const html = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Head' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*S*' },
          accessory: {
            type: 'button',
            text: { type: 'plain_text', text: 'Go' },
            action_id: 'a1',
            value: 'v1',
            style: 'primary',
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*F1*' },
            { type: 'mrkdwn', text: 'F2' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'ctx' }] },
        { type: 'divider' },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Link' }, action_id: 'a2', url: 'https://x.test' },
          ],
        },
        {
          type: 'input',
          block_id: 'token',
          label: { type: 'plain_text', text: 'Token' },
          hint: { type: 'plain_text', text: 'hint' },
          element: { type: 'plain_text_input', action_id: 't', multiline: true },
        },
        {
          type: 'input',
          block_id: 'email',
          label: { type: 'plain_text', text: 'Email' },
          element: { type: 'email_text_input', action_id: 'e' },
        },
        { type: 'video' },
      ],
      { ...ctx, errors: { token: 'Bad token' } },
    );
    expect(html).toContain('<div class="blk-header">Head</div>');
    expect(html).toContain(
      'data-action-id="a1" data-value="v1" data-container="message" data-channel="C1" data-ts="1.2"',
    );
    expect(html).toContain('class="btn btn-primary"');
    expect(html).toContain('<div class="blk-fields"><div><b>F1</b></div><div>F2</div></div>');
    expect(html).toContain('<div class="blk-context"><span>ctx</span></div>');
    expect(html).toContain('<hr class="blk-divider">');
    expect(html).toContain('href="https://x.test" target="_blank"');
    expect(html).toContain('<textarea name="token" data-block-id="token"');
    expect(html).toContain('<div class="blk-error" role="alert">Bad token</div>');
    expect(html).toContain('<input type="email" name="email" data-block-id="email"');
    expect(html).toContain('[unsupported block video]');
  });

  it('renders every message and view the bot builds without an unsupported part', () => {
    const facts = {
      integrations: [integration],
      reason: 'revoked <b>',
      since: now,
      lastSuccess: null,
      approvers: ['U1', 'S1'],
      source: 'probe' as const,
      checkedAt: now,
    };
    const messages = [
      buildAlertMessage(facts),
      buildResolvedAlert({
        integrations: [integration],
        reason: 'x',
        openedAt: now,
        resolvedAt: now,
        by: 'U1',
        how: 'fixed',
      }),
      buildReminder({ integrations: [integration], approvers: ['U1'], since: now, reason: 'x' }),
      buildExpiryWarning({
        integrations: [integration],
        expiresAt: now,
        days: 3,
        fingerprints: ['abcd1234'],
        approvers: ['U1'],
      }),
      buildOverview([integration, pool], new Map()),
      buildStatus([integration], new Map()),
      buildHelp(),
    ];
    for (const message of messages) {
      const html = renderBlocks(message.blocks, ctx);
      expect(html).not.toContain('unsupported');
      expect(html).not.toContain('<b>b');
    }
    expect(
      renderBlocks(buildHomeView({ integrations: [integration], health: new Map(), credentials: new Map() }).blocks, {
        ...ctx,
        container: { type: 'home' },
      }),
    ).toContain('data-container="home"');
    const views = [
      buildReauthModal(pool, 'meta'),
      buildReauthModal(integration, 'meta'),
      buildValidatingModal(integration),
      buildNoticeModal('Not allowed', 'No'),
      buildOAuthModal(
        { ...integration, provider: 'bitbucket', authType: 'oauth' },
        'http://127.0.0.1/oauth/start?state=s',
        now,
      ),
    ];
    for (const view of views) {
      const html = renderModal(view as unknown as Record<string, unknown>, 'V1', { nameOf: ctx.nameOf });
      expect(html).not.toContain('unsupported');
      expect(html).toContain('data-close-view="V1"');
    }
    expect(
      renderModal(buildReauthModal(pool, 'meta') as unknown as Record<string, unknown>, 'V1', { nameOf: ctx.nameOf }),
    ).toContain('data-submit-view="V1"');
  });
});
