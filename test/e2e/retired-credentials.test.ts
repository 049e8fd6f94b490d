import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Integration } from '../../src/domain/types.js';
import { signWebhook } from '../../src/services/webhook-signature.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { openModal, textOf } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const EMAIL = 'dev@acme.example';
/** Stored before 28 July 2026, when Bitbucket still took them. */
const APP_PASSWORD = 'ATBB3xFfGN0StoredAppPassword000001';
const OLD_APP_PASSWORD = 'oLdStyleAppPassw0rd2022';
const API_TOKEN_REVOKED = 'ATATT3xFfGF0RevokedApiToken000001';
const API_TOKEN_FRESH = 'ATATT3xFfGF0FreshApiToken00000001';
const WAY_OFF =
  /Retired by the vendor[\s\S]*removed app passwords on 28 July 2026[\s\S]*docs\/migrating\.md#bitbucket-app-password/;

/**
 * Credentials the vendors retired (issue 31): a Jira Connect app (Connect's end of support) and a stored
 * Bitbucket app password — known by its ATBB… shape, or by the 401 Bitbucket answers to a secret that is
 * no API token — show the way off in the alert, App Home and `reauth-bot list`, recorded once per
 * credential, not at every probe; an API token that is merely revoked does not.
 */
describe('a way off retired credentials', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-12-07T09:00:00Z'));

  /** A credential as it was stored before Bitbucket removed app passwords (it validated then). */
  async function storedEarlier(id: string, token: string): Promise<void> {
    const integration = (await t.deps.store.integrations.findActive(id)) as Integration;
    const identity = { id: '{bb-dev}', name: 'Dev' }; // Bitbucket's uuid of the emulated account bb-dev
    const outcome = {
      kind: 'valid' as const,
      identity,
      scopes: null,
      expiresAt: null,
      rateLimitRemaining: null,
      reason: 'Bitbucket accepted it (before 28 July 2026).',
    };
    await t.deps.services.credentialCommit.commit({
      silent: true,
      integration,
      actor: OWNER,
      payload: { kind: 'tokens', identifier: EMAIL, tokens: [token] },
      validation: { outcome, tokens: [{ position: 1, fingerprint: 'earlier', outcome }] },
      how: 'modal',
    });
  }
  const alertsOf = (name: RegExp) =>
    t.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === ALERTS && name.test(textOf(c.args)));
  const home = async () => {
    const before = t.slack.callsOf('views.publish').length;
    await t.driver.event({ type: 'app_home_opened', user: OWNER, channel: 'D0OWNER', tab: 'home' });
    await expect.poll(() => t.slack.callsOf('views.publish').length).toBe(before + 1);
    return t.slack.callsOf('views.publish').at(-1)?.args.view as { blocks: { block_id?: string }[] };
  };

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { HEALTH_CHECK_INTERVAL_SECONDS: '900', HEALTH_WEBHOOK_SECRET: 'webhook-secret' },
      beforeStart: async (p) => {
        // Bitbucket answers 401 to app passwords since 28 July 2026, and to a revoked API token.
        for (const token of [APP_PASSWORD, OLD_APP_PASSWORD, API_TOKEN_REVOKED])
          p.setToken(token, { provider: 'bitbucket', basicUser: EMAIL, status: 'revoked' });
        p.setToken(API_TOKEN_FRESH, { provider: 'bitbucket', basicUser: EMAIL, identity: { id: 'bb-dev' } });
        return {};
      },
      catalogue: (p) => `integrations:
  - { id: jira-connect, name: Jira Connect app, provider: jira, auth: connect_app, url: "${p.baseUrl('jira')}", channel: ${ALERTS}, owners: [${OWNER}] }
  - { id: bb-app-password, name: Bitbucket (app password), provider: bitbucket, auth: api_key, url: "${p.baseUrl('bitbucket')}", channel: ${ALERTS}, owners: [${OWNER}] }
  - { id: bb-old-app-password, name: Bitbucket (old app password), provider: bitbucket, auth: api_key, url: "${p.baseUrl('bitbucket')}", channel: ${ALERTS}, owners: [${OWNER}] }
  - { id: bb-revoked-token, name: Bitbucket (revoked API token), provider: bitbucket, auth: api_key, url: "${p.baseUrl('bitbucket')}", channel: ${ALERTS}, owners: [${OWNER}] }
`,
    });
    await storedEarlier('bb-app-password', APP_PASSWORD);
    await storedEarlier('bb-old-app-password', OLD_APP_PASSWORD);
    await storedEarlier('bb-revoked-token', API_TOKEN_REVOKED);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('a stored app password fails with one alert that names the way off; several probes record and post it once', async () => {
    for (let i = 0; i < 3; i += 1)
      await t.deps.services.checkNow('bb-app-password', OWNER, { ignoreRecentRejection: true });
    const alerts = alertsOf(/Bitbucket \(app password\)/);
    expect(alerts).toHaveLength(1);
    expect(textOf(alerts[0]?.args)).toMatch(WAY_OFF);
    expect(textOf(alerts[0]?.args)).toMatch(/auth `api_key` or `access_token` or `client_credentials`/);
    const noted = (await t.deps.store.audit.list('bb-app-password')).filter(
      (a) => a.action === 'credential.retired_by_vendor',
    );
    expect(noted).toHaveLength(1);
    expect(noted[0]).toMatchObject({ actor: 'reauth', outcome: 'bitbucket_app_password' });
    expect(t.logs.text()).not.toContain(APP_PASSWORD);
  });

  it('an app password made before the prefixes is known by the 401; a revoked API token is not an app password', async () => {
    await t.deps.services.checkNow('bb-old-app-password', OWNER, { ignoreRecentRejection: true });
    await t.deps.services.checkNow('bb-revoked-token', OWNER, { ignoreRecentRejection: true });
    expect(textOf(alertsOf(/Bitbucket \(old app password\)/)[0]?.args)).toMatch(WAY_OFF);
    const revoked = textOf(alertsOf(/Bitbucket \(revoked API token\)/)[0]?.args);
    expect(revoked).toMatch(/is failing/);
    expect(revoked).not.toMatch(/Retired by the vendor/);
    expect((await t.deps.store.credentials.current('integration:bb-revoked-token'))?.retiredByVendor).toBeNull();
  });

  it('App Home shows the way off under the Connect app and the app passwords, and under nothing else', async () => {
    const view = await home();
    const blocks = view.blocks.map((b) => textOf(b));
    const lineUnder = (id: string) => blocks[blocks.findIndex((b) => b.includes(`\`${id}\``)) + 1] ?? '';
    expect(lineUnder('jira-connect')).toMatch(
      /Atlassian ends support for Connect apps in December 2026[\s\S]*`service_account`/,
    );
    expect(lineUnder('jira-connect')).toMatch(/docs\/migrating\.md#jira-connect-app--service_account/);
    expect(lineUnder('bb-app-password')).toMatch(WAY_OFF);
    expect(lineUnder('bb-old-app-password')).toMatch(WAY_OFF);
    expect(lineUnder('bb-revoked-token')).not.toMatch(/Retired by the vendor/);
  });

  it('reauth-bot list names each retired credential with the auth type to move to and the document', async () => {
    const list = await cli(['list'], cliEnvOf(t), clock.now());
    expect(list.code).toBe(0);
    const section = list.stdout.slice(list.stdout.indexOf('Retired by the vendor, and the way off:'));
    expect(section).toMatch(/jira-connect: Atlassian ends support for Connect apps.*→ auth service_account/);
    expect(section).toMatch(
      /bb-app-password: This credential is a Bitbucket app password.*→ auth api_key or access_token or client_credentials/,
    );
    expect(section).toMatch(/bb-old-app-password: /);
    expect(section).not.toMatch(/bb-revoked-token/);
    expect(list.stdout).not.toContain(APP_PASSWORD);
  });

  it("a Connect app's alert names its way off, and Re-authenticate's refusal says where to move", async () => {
    const body = JSON.stringify({ integration: 'jira-connect', status: 'failing', reason: 'Connect app uninstalled' });
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    const answer = await fetch(`${t.url}/webhooks/health`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Reauth-Timestamp': String(timestamp),
        'X-Reauth-Signature': signWebhook('webhook-secret', timestamp, body),
      },
      body,
    });
    expect(answer.status).toBe(202);
    const [alert] = alertsOf(/Jira Connect app/);
    expect(textOf(alert?.args)).toMatch(
      /Retired by the vendor[\s\S]*Connect apps in December 2026[\s\S]*`service_account`/,
    );
    const refused = await openModal(t, 'jira-connect', { userId: OWNER });
    expect(textOf(refused.args)).toMatch(/auth service_account in integrations\.yml; docs\/migrating\.md/);
  });

  it('re-authenticated with an API token, the app password notice is gone (it belonged to the credential)', async () => {
    const call = await openModal(t, 'bb-app-password', { userId: OWNER });
    const saved = await t.driver.submit(call.ref ?? '', { email: EMAIL, token: API_TOKEN_FRESH }, { userId: OWNER });
    expect(textOf((saved.json as { view: unknown }).view)).toMatch(/re-authenticated/);
    const view = await home();
    const blocks = view.blocks.map((b) => textOf(b));
    const index = blocks.findIndex((b) => b.includes('`bb-app-password`'));
    expect(blocks[index + 1] ?? '').not.toMatch(/Retired by the vendor/);
    const list = await cli(['list'], cliEnvOf(t), clock.now());
    expect(list.stdout).not.toMatch(/bb-app-password: /);
  });
});
