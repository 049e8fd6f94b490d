import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/db/sqlite/store.js';
import { createAlerts } from '../../src/services/alerts.js';
import { createHealthStateMachine } from '../../src/services/health.js';
import { signWebhook } from '../../src/services/webhook-signature.js';
import { openModal, textOf } from '../helpers/flows.js';
import { ADMIN, ALERTS, manualClock, OWNER, STRANGER, startTestApp, type TestApp } from '../helpers/start-app.js';

const MIN = 60_000;
const ID = { id: '3', name: 'Jane Doe', email: 'jane@acme.com', username: 'jane' };

const catalogue = (p: Parameters<Parameters<typeof startTestApp>[0]['catalogue']>[0]) => `integrations:
  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }
  - { id: github, name: GitHub, provider: github, auth: pat, url: "${p.baseUrl('github')}", owners: [U0OWNER] }
  - { id: ado-boards, name: ADO Boards, provider: azure_devops, auth: pat, organization: acme, service: boards, url: "${p.baseUrl('azure_devops', 'acme')}", owners: [U0OWNER] }
  - { id: ado-repos, name: ADO Repos, provider: azure_devops, auth: pat, organization: acme, service: repos, url: "${p.baseUrl('azure_devops', 'acme')}", owners: [U0OWNER] }
  - { id: jira-connect, name: Jira Connect, provider: jira, auth: connect_app, url: "${p.baseUrl('jira')}", owners: [U0OWNER] }
  - { id: race-app, name: Race App, provider: github, auth: github_app, url: "${p.baseUrl('github')}", owners: [U0OWNER] }
  - { id: sonar-lost, name: Sonar Lost, provider: sonarqube, auth: api_key, url: "${p.baseUrl('sonarqube')}", channel: C0GONE, owners: [U0OWNER] }
`;

describe('health monitor and alert lifecycle', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-11-28T09:00:00Z'));
  const monitor = () => t.deps.monitor;
  const alertPosts = (name: string) =>
    t.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.ok && !c.args.thread_ts && String(c.args.text).startsWith(`${name} is failing`));

  async function reauth(id: string, values: Record<string, string>) {
    const call = await openModal(t, id, { userId: OWNER });
    const response = await t.driver.submit(call.ref ?? '', values, { userId: OWNER });
    expect(response.json).toMatchObject({ response_action: 'update' });
  }

  beforeAll(async () => {
    t = await startTestApp({
      catalogue,
      clock,
      env: {
        HEALTH_CHECK_INTERVAL_SECONDS: '900',
        HEALTH_WEBHOOK_SECRET: 'webhook-secret',
        REMINDER_INTERVAL_HOURS: '24',
      },
    });
  });
  afterAll(async () => t?.close());

  describe('a revoked token', () => {
    const token = 'glpat-HealthRevokeMe0123456';
    beforeAll(async () => {
      t.providers.setToken(token, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
      await reauth('gitlab', { token });
    });

    it('raises exactly one alert, with what failed, why, since when, and the three buttons', async () => {
      t.providers.updateToken(token, { status: 'revoked' });
      clock.advance(16 * MIN);
      await monitor().runDue();
      expect(alertPosts('GitLab')).toHaveLength(1);
      const alert = alertPosts('GitLab')[0];
      const text = textOf(alert?.args.blocks);
      expect(text).toContain('GitLab is failing');
      expect(text).toContain('GitLab says the token is revoked');
      expect(text).toContain('Failing since');
      expect(JSON.stringify(alert?.args.blocks)).toMatch(
        /"action_id":"reauth_open".*"action_id":"check_now".*"action_id":"snooze_24h"/,
      );
      expect(alert?.args.channel).toBe(ALERTS);
      expect((await t.deps.store.health.of('gitlab'))?.status).toBe('failing');
    });

    it('probes a rejected credential at most once per 30 minutes', async () => {
      const before = t.providers.requestsWith(token).length;
      clock.advance(16 * MIN);
      await monitor().runDue();
      expect(t.providers.requestsWith(token).length).toBe(before);
      clock.advance(15 * MIN);
      await monitor().runDue();
      expect(t.providers.requestsWith(token).length).toBe(before + 1);
    });

    it('keeps one message through ten more probes, updating it in place', async () => {
      const ts = (await t.deps.store.alerts.listOpen())[0]?.messageTs;
      const updatesBefore = t.slack.callsOf('chat.update').filter((c) => c.args.ts === ts).length;
      for (let i = 0; i < 10; i += 1) {
        clock.advance(31 * MIN);
        await monitor().runDue();
      }
      expect(alertPosts('GitLab')).toHaveLength(1);
      expect(t.slack.callsOf('chat.update').filter((c) => c.args.ts === ts && c.ok).length).toBe(updatesBefore + 10);
    });

    it('survives a restart mid-incident without a duplicate alert', async () => {
      await t.restart();
      clock.advance(31 * MIN);
      await monitor().runDue();
      expect(alertPosts('GitLab')).toHaveLength(1);
      expect(await t.deps.store.alerts.listOpen()).toHaveLength(1);
    });

    it('Check now ignores the 30-minute back-off (after 5 minutes) and tells the presser the outcome', async () => {
      const alert = (await t.deps.store.alerts.listOpen())[0];
      clock.advance(5 * MIN);
      const before = t.providers.requestsWith(token).length;
      await t.driver.click({
        actionId: 'check_now',
        value: 'gitlab',
        actor: { userId: OWNER },
        message: { channel: ALERTS, ts: alert?.messageTs ?? '' },
      });
      await expect.poll(() => t.providers.requestsWith(token).length).toBe(before + 1);
      await expect.poll(() => textOf(t.slack.responses.at(-1)?.body)).toContain('GitLab still fails');
    });

    it('a rejected credential is checked on demand at most once per 5 minutes', async () => {
      const alert = (await t.deps.store.alerts.listOpen())[0];
      const before = t.providers.requestsWith(token).length;
      const responses = t.slack.responses.length;
      await t.driver.click({
        actionId: 'check_now',
        value: 'gitlab',
        actor: { userId: OWNER },
        message: { channel: ALERTS, ts: alert?.messageTs ?? '' },
      });
      await expect.poll(() => t.slack.responses.length).toBe(responses + 1);
      expect(textOf(t.slack.responses.at(-1)?.body)).toContain('less than 5 minutes ago');
      expect(t.providers.requestsWith(token).length).toBe(before);
      expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({
        action: 'health.check_now',
        outcome: 'too_soon',
        actor: OWNER,
      });
      clock.advance(5 * MIN);
      await t.driver.click({
        actionId: 'check_now',
        value: 'gitlab',
        actor: { userId: ADMIN },
        message: { channel: ALERTS, ts: alert?.messageTs ?? '' },
      });
      await expect.poll(() => t.providers.requestsWith(token).length).toBe(before + 1);
    });

    it('only owners and admins may press Check now: anyone else is told whom to ask, and nothing is probed or revealed', async () => {
      const alert = (await t.deps.store.alerts.listOpen())[0];
      clock.advance(6 * MIN);
      const before = t.providers.requestsWith(token).length;
      const responses = t.slack.responses.length;
      await t.driver.click({
        actionId: 'check_now',
        value: 'gitlab',
        actor: { userId: STRANGER },
        message: { channel: ALERTS, ts: alert?.messageTs ?? '' },
      });
      await expect.poll(() => t.slack.responses.length).toBe(responses + 1);
      const reply = textOf(t.slack.responses.at(-1)?.body);
      expect(reply).toContain('Only the owners of GitLab and Reauth admins');
      expect(reply).toContain(`<@${OWNER}>`);
      expect(reply).not.toContain(ID.name);
      expect((t.slack.responses.at(-1)?.body as { response_type?: string } | undefined)?.response_type).toBe(
        'ephemeral',
      );
      expect(t.providers.requestsWith(token).length).toBe(before);
      expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({
        action: 'health.check_now',
        outcome: 'permission_denied',
        actor: STRANGER,
      });
    });

    it('re-authentication edits the same message to resolved and replies in its thread', async () => {
      const alert = (await t.deps.store.alerts.listOpen())[0];
      const fresh = 'glpat-HealthFreshToken01234';
      t.providers.setToken(fresh, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
      await reauth('gitlab', { token: fresh });
      await expect
        .poll(() => t.slack.messages.find((m) => m.ts === alert?.messageTs)?.text ?? '')
        .toContain('is healthy again');
      const message = t.slack.messages.find((m) => m.ts === alert?.messageTs);
      expect(textOf(message?.blocks)).toContain(`<@${OWNER}>`);
      expect(textOf(message?.blocks)).toContain('re-authenticated with a new credential');
      await expect
        .poll(
          () =>
            t.slack.messages.filter((m) => m.threadTs === alert?.messageTs && m.text.includes('re-authenticated'))
              .length,
        )
        .toBe(1);
      expect(await t.deps.store.alerts.listOpen()).toHaveLength(0);
      expect(alertPosts('GitLab')).toHaveLength(1);
    });
  });

  describe('transient failures', () => {
    const token = 'ghp_HealthTransient0123456789abcdefABCD';
    beforeAll(async () => {
      t.providers.setToken(token, { provider: 'github', scopes: ['repo', 'read:org'], identity: ID });
      await reauth('github', { email: 'jane@acme.com', token });
    });

    it('one 5xx raises no alert; a persisting 5xx does', async () => {
      t.providers.updateToken(token, { status: 'server_error' });
      clock.advance(16 * MIN);
      await monitor().runDue();
      expect(alertPosts('GitHub')).toHaveLength(0);
      expect(await t.deps.store.health.of('github')).toMatchObject({
        status: 'healthy',
        outcome: 'provider_error',
        consecutiveFailures: 1,
      });
      clock.advance(16 * MIN);
      await monitor().runDue();
      expect(alertPosts('GitHub')).toHaveLength(1);
      expect((await t.deps.store.health.of('github'))?.status).toBe('failing');
    });

    it('a later successful probe resolves it', async () => {
      t.providers.updateToken(token, { status: 'valid' });
      clock.advance(16 * MIN);
      await monitor().runDue();
      expect((await t.deps.store.health.of('github'))?.status).toBe('healthy');
      const resolved = t.slack.messages.find((m) => m.text.startsWith('GitHub is healthy again'));
      expect(resolved?.text).toContain('a scheduled check succeeded');
    });
  });

  describe('shared Azure DevOps credential', () => {
    it('raises one alert naming every integration it serves', async () => {
      const pat = 'healthadopat0123456789abcdefghijklmnopqrstuvwxyz01';
      t.providers.setToken(pat, { provider: 'azure_devops', organization: 'acme', identity: ID });
      await reauth('ado-boards', { email: 'jane@acme.com', token: pat });
      t.providers.updateToken(pat, { status: 'revoked' });
      clock.advance(16 * MIN);
      await monitor().runDue();
      const posts = t.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.ok && String(c.args.text).startsWith('Azure DevOps acme is failing'));
      expect(posts).toHaveLength(1);
      expect(textOf(posts[0]?.args.blocks)).toContain('ADO Boards');
      expect(textOf(posts[0]?.args.blocks)).toContain('ADO Repos');
      expect((await t.deps.store.health.of('ado-repos'))?.status).toBe('failing');
      expect(t.providers.requestsWith(pat).length).toBe(2);
    });
  });

  describe('reminders and snooze', () => {
    it('reminds in the thread every 24 h mentioning the owners; Snooze pauses it', async () => {
      const alert = (await t.deps.store.alerts.listOpen()).find((a) => a.alertKey.startsWith('azure_devops'));
      expect(alert?.messageTs).toBeTruthy();
      const reminders = () =>
        t.slack.messages.filter((m) => m.threadTs === alert?.messageTs && m.text.includes('still failing'));
      clock.advance(24 * 60 * MIN);
      await monitor().sendReminders();
      expect(reminders()).toHaveLength(1);
      expect(reminders()[0]?.text).toContain(`<@${OWNER}>`);
      await monitor().sendReminders();
      expect(reminders()).toHaveLength(1);

      // Someone who may not act on it cannot silence it.
      await t.driver.click({
        actionId: 'snooze_24h',
        value: 'ado-boards',
        actor: { userId: STRANGER },
        message: { channel: ALERTS, ts: alert?.messageTs ?? '' },
      });
      await expect
        .poll(() => textOf(t.slack.responses.at(-1)?.body))
        .toContain('Only the owners of ADO Boards and Reauth admins can snooze');
      expect((await t.deps.store.alerts.listOpen()).find((a) => a.id === alert?.id)?.snoozedUntil).toBeNull();
      expect((await t.deps.store.audit.list('ado-boards'))[0]).toMatchObject({
        action: 'alert.snooze',
        outcome: 'permission_denied',
        actor: STRANGER,
      });

      await t.driver.click({
        actionId: 'snooze_24h',
        value: 'ado-boards',
        actor: { userId: OWNER },
        message: { channel: ALERTS, ts: alert?.messageTs ?? '' },
      });
      await expect.poll(() => textOf(t.slack.responses.at(-1)?.body)).toContain('Reminders for ADO Boards are paused');
      clock.advance(23 * 60 * MIN);
      await monitor().sendReminders();
      expect(reminders()).toHaveLength(1);
      clock.advance(2 * 60 * MIN);
      await monitor().sendReminders();
      expect(reminders()).toHaveLength(2);
    });
  });

  describe('expiry warnings', () => {
    it('fire once per threshold (14, 3, 1 days), the nearest only when first seen inside several', async () => {
      const DAY = 24 * 60 * MIN;
      // GitHub reports expiry to the second (GitLab only to the day), which keeps the arithmetic exact.
      const token = 'ghp_HealthExpiring0123456789abcdefABCDE';
      t.providers.setToken(token, {
        provider: 'github',
        scopes: ['repo', 'read:org'],
        identity: ID,
        expiresAt: new Date(clock.now().getTime() + 20 * DAY),
      });
      await reauth('github', { email: 'jane@acme.com', token });
      const warnings = () => t.slack.messages.filter((m) => m.text.startsWith('GitHub: credential expires'));
      await monitor().sendExpiryWarnings();
      expect(warnings()).toHaveLength(0);
      clock.advance(7 * DAY); // 13 days left
      await monitor().sendExpiryWarnings();
      await monitor().sendExpiryWarnings();
      expect(warnings().map((w) => w.text)).toEqual(['GitHub: credential expires in 14 days.']);
      expect(JSON.stringify(warnings()[0]?.blocks)).toContain('reauth_open');
      clock.advance(10.5 * DAY); // 2.5 days left
      await monitor().sendExpiryWarnings();
      clock.advance(2 * DAY); // 0.5 days left
      await monitor().sendExpiryWarnings();
      await monitor().sendExpiryWarnings();
      expect(warnings().map((w) => w.text)).toEqual([
        'GitHub: credential expires in 14 days.',
        'GitHub: credential expires in 3 days.',
        'GitHub: credential expires within a day.',
      ]);

      // First seen with 2 days left: inside both 14 and 3 → one warning (3), and 14 never fires.
      const late = 'ghp_HealthExpiringLate0123456789abcdefAB';
      t.providers.setToken(late, {
        provider: 'github',
        scopes: ['repo', 'read:org'],
        identity: ID,
        expiresAt: new Date(clock.now().getTime() + 2 * DAY),
      });
      await reauth('github', { email: 'jane@acme.com', token: late });
      await monitor().sendExpiryWarnings();
      await monitor().sendExpiryWarnings();
      clock.advance(1.5 * DAY);
      await monitor().sendExpiryWarnings();
      expect(
        warnings()
          .slice(3)
          .map((w) => w.text),
      ).toEqual(['GitHub: credential expires in 3 days.', 'GitHub: credential expires within a day.']);
    });
  });

  describe('health webhook', () => {
    const send = (body: string, options: { secret?: string; timestamp?: number; signature?: string } = {}) => {
      const timestamp = options.timestamp ?? Math.floor(clock.now().getTime() / 1000);
      return fetch(`${t.url}/webhooks/health`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Reauth-Timestamp': String(timestamp),
          'X-Reauth-Signature': options.signature ?? signWebhook(options.secret ?? 'webhook-secret', timestamp, body),
        },
        body,
      });
    };
    const failing = JSON.stringify({
      integration: 'jira-connect',
      status: 'failing',
      reason: 'Connect app uninstalled',
    });

    beforeEach(() => t.slack.clearInjections());

    it('a signed "failing" raises the same single alert; "healthy" resolves it', async () => {
      expect((await send(failing)).status).toBe(202);
      expect(alertPosts('Jira Connect')).toHaveLength(1);
      expect(textOf(alertPosts('Jira Connect')[0]?.args.blocks)).toContain(
        'An external health check reported it failing',
      );
      clock.advance(1000);
      expect((await send(failing)).status).toBe(202);
      expect(alertPosts('Jira Connect')).toHaveLength(1);
      clock.advance(1000);
      expect((await send(JSON.stringify({ integration: 'jira-connect', status: 'healthy' }))).status).toBe(202);
      expect(
        t.slack.messages.some((m) =>
          m.text.startsWith('Jira Connect is healthy again (the health webhook reported it healthy)'),
        ),
      ).toBe(true);
    });

    it("Check now on an app integration leaves the webhook's verdict alone", async () => {
      expect(
        (await send(JSON.stringify({ integration: 'jira-connect', status: 'failing', reason: 'Still uninstalled' })))
          .status,
      ).toBe(202);
      await t.driver.click({
        actionId: 'check_now',
        value: 'jira-connect',
        actor: { userId: OWNER },
        message: { channel: ALERTS, ts: '1.1' },
      });
      await expect
        .poll(() => textOf(t.slack.responses.at(-1)?.body))
        .toContain('its health comes from the health webhook');
      expect(await t.deps.store.health.of('jira-connect')).toMatchObject({
        status: 'failing',
        reason: 'Still uninstalled',
      });
      clock.advance(1000);
      expect((await send(JSON.stringify({ integration: 'jira-connect', status: 'healthy' }))).status).toBe(202);
    });

    it('refuses a bad signature, a stale or future timestamp, a replay, an unknown integration and a bad body', async () => {
      expect((await send(failing, { secret: 'wrong' })).status).toBe(401);
      expect((await send(failing, { timestamp: Math.floor(clock.now().getTime() / 1000) - 301 })).status).toBe(401);
      expect((await send(failing, { timestamp: Math.floor(clock.now().getTime() / 1000) + 301 })).status).toBe(401);
      clock.advance(1000);
      const timestamp = Math.floor(clock.now().getTime() / 1000);
      const signature = signWebhook('webhook-secret', timestamp, failing);
      expect((await send(failing, { timestamp, signature })).status).toBe(202);
      const replay = await send(failing, { timestamp, signature });
      expect(replay.status).toBe(409);
      expect(((await replay.json()) as { error: string }).error).toBe('replayed');
      expect((await send(JSON.stringify({ integration: 'nope', status: 'failing' }))).status).toBe(404);
      expect((await send(JSON.stringify({ integration: 'jira-connect', status: 'broken' }))).status).toBe(400);
      expect((await send('not json')).status).toBe(400);
    });
  });

  describe('an alert channel that cannot be posted to', () => {
    it('is logged once, retried later, visible in the alert row, and posted once the channel works', async () => {
      const token = 'squ_HealthLostChannel0123456789abcdef';
      t.providers.setToken(token, { provider: 'sonarqube', identity: ID });
      await reauth('sonar-lost', { username: 'jane', token });
      t.providers.updateToken(token, { status: 'revoked' });
      for (let i = 0; i < 3; i += 1) {
        clock.advance(31 * MIN);
        await monitor().tick();
      }
      const alert = (await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:sonar-lost');
      expect(alert).toMatchObject({ channel: 'C0GONE', messageTs: null, postError: 'channel_not_found' });
      expect(
        t.logs.lines().filter((l) => String(l.msg).includes('could not post the alert') && l.channel === 'C0GONE'),
      ).toHaveLength(1);
      t.slack.addChannel('C0GONE');
      clock.advance(MIN);
      await monitor().tick();
      expect(
        (await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:sonar-lost')?.messageTs,
      ).toBeTruthy();
    });
  });

  it('two processes failing the same integration at once post one alert', async () => {
    // A second process: its own database connection, its own store, alerts and locks, the same Slack.
    const otherStore = openSqliteStore(t.config.databasePath);
    try {
      const otherAlerts = createAlerts({
        store: otherStore,
        slack: t.deps.slack,
        authoriser: t.deps.services.authoriser,
        logger: t.logs.logger,
        clock,
        defaultChannel: t.config.defaultAlertChannel,
      });
      const other = createHealthStateMachine({ store: otherStore, alerts: otherAlerts, clock });
      const integrations = await t.deps.store.integrations.listByIds(['race-app']);
      const signal = {
        outcome: { kind: 'invalid_credentials' as const, reason: 'Uninstalled.' },
        source: 'webhook' as const,
      };
      await Promise.all([
        t.deps.services.health.apply(integrations, signal),
        other.apply(await otherStore.integrations.listByIds(['race-app']), signal),
      ]);
      expect(alertPosts('Race App')).toHaveLength(1);
      expect((await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey === 'integration:race-app')).toHaveLength(
        1,
      );
    } finally {
      await otherStore.close();
    }
  });

  it('an alert of an integration removed from the catalogue is closed, not reminded forever', async () => {
    const db = t.deps.db;
    expect((await t.deps.store.alerts.listOpen()).some((a) => a.alertKey === 'integration:race-app')).toBe(true);
    db.$client.prepare("update integrations set archived_at = 1 where id = 'race-app'").run();
    try {
      expect(await monitor().closeOrphanAlerts()).toBe(1);
      expect((await t.deps.store.alerts.listOpen()).some((a) => a.alertKey === 'integration:race-app')).toBe(false);
      expect(
        t.slack.messages.some((m) =>
          m.text.startsWith('Race App: alert closed (the integration was removed from integrations.yml)'),
        ),
      ).toBe(true);
    } finally {
      db.$client.prepare("update integrations set archived_at = null where id = 'race-app'").run();
    }
  });

  it('App Home shows the integrations the user may manage, with health and a button each', async () => {
    const response = await t.driver.event({ type: 'app_home_opened', user: OWNER, channel: 'D0OWNER', tab: 'home' });
    expect(response.status).toBe(200);
    await expect.poll(() => t.slack.home(OWNER)).toBeDefined();
    const home = JSON.stringify(t.slack.home(OWNER));
    expect(home).toContain('GitLab');
    expect(home).toContain(':red_circle: failing');
    expect(home).toContain('reauth_open');
  });
});
