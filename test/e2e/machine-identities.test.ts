import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sandbox/sinks/webhook-receiver.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { SLACK_INPUT_MAX } from '../../src/slack/blocks/modals.js';
import { createBrowser } from '../helpers/browser.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { inputsOf, openModal, textOf, viewOf } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const HOOK_SECRET = `whsec_${Buffer.from('machine-identity-hook-secret-32b').toString('base64')}`;
const CONSUMER = 'rct_MACHINECANARYconsumerToken0000000000001';
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const MIN = 60_000;
const CONSUMER_KEY = 'InsightsConsumer01';
const ACCESS_TOKEN = 'ATCTT3xFfGN0WorkspaceAccessTokenCanary000001=AB12CD34';

/**
 * Machine identities end to end (SPEC §12): a GitHub App's private key and an Entra service principal's
 * client secret entered in the modal, validated against the emulated providers, sealed; then the pull API
 * and a webhook sink get minted access tokens — never the root secret — and a new one is minted when the
 * held one has less than 5 minutes left, once for many concurrent pulls.
 */
describe('machine identities: the root secret entered once, access tokens minted from it', () => {
  let t: TestApp;
  let hook: WebhookReceiver;
  const clock = manualClock(new Date('2026-12-07T09:00:00Z'));
  let pem = '';
  let secret = '';
  let consumerSecret = '';
  const pull = (id: string) =>
    fetch(`${t.url}/v1/credentials/${id}`, { headers: { authorization: `Bearer ${CONSUMER}` } });
  const mints = (mount: RegExp) => t.providers.requests.filter((r) => mount.test(r.path)).length;
  const GITHUB_MINT = /\/app\/installations\/1001\/access_tokens$/;
  const ENTRA_MINT = new RegExp(`/entra/${TENANT}/oauth2/v2.0/token$`);

  beforeAll(async () => {
    hook = await startWebhookReceiver(HOOK_SECRET);
    t = await startTestApp({
      clock,
      providersOnClock: true,
      fastPathMs: 5000,
      env: { HOOK_SECRET, HEALTH_CHECK_INTERVAL_SECONDS: '900' },
      beforeStart: async (p) => {
        pem = p.githubApps.add({
          id: 424242,
          clientId: 'Iv23liInsights',
          name: 'Acme Insights',
          slug: 'acme-insights',
          installations: { '1001': { account: 'acme', repositories: ['acme/api', 'acme/web'] } },
        });
        consumerSecret = p.bitbucketConsumers.add({ key: CONSUMER_KEY, workspaces: ['acme'] });
        p.setToken(ACCESS_TOKEN, { provider: 'bitbucket', workspaces: ['acme'] });
        secret = p.entraPrincipals.add({
          tenantId: TENANT,
          clientId: CLIENT,
          displayName: 'insights-automation',
          organizations: ['acme'],
        });
        return {};
      },
      catalogue: (p) => `integrations:
  - id: gh-app
    name: GitHub (Insights App)
    provider: github
    auth: app_installation
    url: "${p.baseUrl('github')}"
    app_id: 424242
    installation_id: 1001
    channel: ${ALERTS}
    owners: [${OWNER}]
    deliver:
      - webhook: ${hook.url}
        secret_env: HOOK_SECRET
        include_credential: true
  - id: ado-sp
    name: Azure DevOps (service principal)
    provider: azure_devops
    auth: service_principal
    organization: acme
    service: repos
    url: "${p.baseUrl('azure_devops', 'acme')}"
    tenant_id: ${TENANT}
    authority: "${p.azureAuthority}"
    channel: ${ALERTS}
    owners: [${OWNER}]
  - id: bb-consumer
    name: Bitbucket (workspace consumer)
    provider: bitbucket
    auth: client_credentials
    url: "${p.baseUrl('bitbucket')}"
    workspace: acme
    channel: ${ALERTS}
    owners: [${OWNER}]
  - id: bb-access
    name: Bitbucket (workspace access token)
    provider: bitbucket
    auth: access_token
    url: "${p.baseUrl('bitbucket')}"
    workspace: acme
    channel: ${ALERTS}
    owners: [${OWNER}]
consumers:
  - name: insights
    token_sha256: ${sha256Hex(CONSUMER)}
    integrations: [gh-app, ado-sp, bb-consumer, bb-access]
`,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  it('the modal asks a GitHub App for its private key only (multiline), and refuses a token pasted there before any call', async () => {
    const call = await openModal(t, 'gh-app', { userId: OWNER });
    const inputs = viewOf(call).blocks.filter((b) => b.type === 'input');
    expect(inputs.map((b) => [b.block_id, b.element?.type, b.element?.multiline])).toEqual([
      ['private_key', 'plain_text_input', true],
    ]);
    const before = t.providers.requests.length;
    const response = await t.driver.submit(call.ref ?? '', { private_key: `ghs_${'x'.repeat(36)}` }, { userId: OWNER });
    expect(response.json).toMatchObject({ response_action: 'errors' });
    expect((response.json as { errors: Record<string, string> }).errors.private_key).toMatch(
      /GitHub token, not a private key/,
    );
    expect(t.providers.requests.length).toBe(before);
  });

  it("a GitHub App's key is validated (its App, a minted token that lists the repositories) and stored; consumers get the token, never the key", async () => {
    const call = await openModal(t, 'gh-app', { userId: OWNER });
    const response = await t.driver.submit(call.ref ?? '', { private_key: pem }, { userId: OWNER });
    expect(response.json).toMatchObject({ response_action: 'update' });
    expect(textOf((response.json as { view: unknown }).view)).toMatch(/re-authenticated[\s\S]*Acme Insights/);
    const answer = await pull('gh-app');
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as {
      version: number;
      expires_at: string;
      credential: { access_token: string; token_type: string; expires_at: string };
    };
    expect(document.credential.token_type).toBe('Bearer');
    expect(document.credential.access_token).toMatch(/^ghs_424242_/);
    expect(document.credential.access_token.length).toBeGreaterThan(500);
    expect(document.expires_at).toBe(document.credential.expires_at);
    expect(Date.parse(document.expires_at) - clock.now().getTime()).toBe(60 * MIN);
    expect(JSON.stringify(document)).not.toContain('PRIVATE KEY');
    expect(mints(GITHUB_MINT)).toBe(1);
  });

  it('a service principal: client id, secret and its end date; a wrong secret is refused under its field', async () => {
    const call = await openModal(t, 'ado-sp', { userId: OWNER });
    expect(inputsOf(call)).toEqual([
      ['client_id', 'plain_text_input'],
      ['client_secret', 'plain_text_input'],
      ['expires_on', 'datepicker'],
    ]);
    const wrong = await t.driver.submit(
      call.ref ?? '',
      { client_id: CLIENT, client_secret: 'Wr0ng~SecretValue0000000000000000000000', expires_on: '2027-06-30' },
      { userId: OWNER },
    );
    expect((wrong.json as { errors: Record<string, string> }).errors.client_secret).toMatch(
      /refused the client credentials \(invalid_client: AADSTS7000215/,
    );
    const again = await openModal(t, 'ado-sp', { userId: OWNER });
    const saved = await t.driver.submit(
      again.ref ?? '',
      { client_id: CLIENT, client_secret: secret, expires_on: '2027-06-30' },
      { userId: OWNER },
    );
    expect(textOf((saved.json as { view: unknown }).view)).toMatch(/re-authenticated[\s\S]*insights-automation/);
    const stored = await t.deps.store.credentials.current('azure_devops:acme:service_principal');
    expect(stored?.expiresAt?.toISOString()).toBe('2027-06-30T00:00:00.000Z');
    const document = (await (await pull('ado-sp')).json()) as { credential: { access_token: string } };
    expect(document.credential.access_token).toMatch(/^eyJ/);
    expect(JSON.stringify(document)).not.toContain(secret);
  });

  it('a token with less than 5 minutes left is minted again, once for 50 pulls at the same moment, as a new version', async () => {
    const first = (await (await pull('gh-app')).json()) as { version: number; credential: { access_token: string } };
    clock.advance(56 * MIN);
    const before = mints(GITHUB_MINT);
    const answers = await Promise.all(Array.from({ length: 50 }, () => pull('gh-app')));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 200));
    const documents = (await Promise.all(answers.map((a) => a.json()))) as {
      version: number;
      credential: { access_token: string };
    }[];
    expect(mints(GITHUB_MINT) - before).toBe(1);
    expect(new Set(documents.map((d) => d.credential.access_token)).size).toBe(1);
    expect(documents[0]?.credential.access_token).not.toBe(first.credential.access_token);
    expect(documents[0]?.version).toBe(first.version + 1);
    // Four minutes later the new token is not due: nothing is minted.
    clock.advance(4 * MIN);
    await pull('gh-app');
    expect(mints(GITHUB_MINT) - before).toBe(1);
  });

  it('the webhook sink receives each minted token (how: mint, actor: reauth), and no secret of the root', async () => {
    await t.deps.delivery.worker.runDue();
    const updates = hook.received.filter((r) => r.verified && r.payload?.type === 'credential.updated');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const last = updates.at(-1)?.payload?.data as {
      how?: string;
      actor?: string;
      credential?: { access_token?: string };
    };
    expect(last).toMatchObject({ how: 'mint', actor: 'reauth' });
    expect(last.credential?.access_token).toMatch(/^ghs_424242_/);
    expect(JSON.stringify(hook.received)).not.toContain('PRIVATE KEY');
  });

  it('a minted token the provider revokes before its end is replaced at the next probe, with no alert', async () => {
    const held = ((await (await pull('gh-app')).json()) as { credential: { access_token: string } }).credential
      .access_token;
    t.providers.updateToken(held, { status: 'revoked' });
    const before = mints(GITHUB_MINT);
    const posts = t.slack.callsOf('chat.postMessage').length;
    const checked = await t.deps.services.checkNow('gh-app', OWNER, { ignoreRecentRejection: true });
    expect(checked).toMatchObject({ kind: 'checked' });
    expect(mints(GITHUB_MINT) - before).toBe(1);
    expect((await t.deps.store.health.of('gh-app'))?.status).toBe('healthy');
    expect(t.slack.callsOf('chat.postMessage').length).toBe(posts);
    const now = ((await (await pull('gh-app')).json()) as { credential: { access_token: string } }).credential;
    expect(now.access_token).not.toBe(held);
  });

  it('the service principal mints again too, and a second replica-like burst of pulls reuses it', async () => {
    const before = mints(ENTRA_MINT);
    clock.advance(56 * MIN);
    const answers = await Promise.all(Array.from({ length: 10 }, () => pull('ado-sp')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(mints(ENTRA_MINT) - before).toBe(1);
  });

  it('mints are counted by provider and outcome', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/reauth_tokens_minted_total\{provider="github",outcome="minted"\} [1-9]/);
    expect(text).toMatch(/reauth_tokens_minted_total\{provider="azure_devops",outcome="minted"\} [1-9]/);
  });

  it('a Bitbucket consumer: key and secret (no end date asked), a two-hour token for the workspace, one mint for 20 pulls when due', async () => {
    const call = await openModal(t, 'bb-consumer', { userId: OWNER });
    expect(inputsOf(call).map(([id]) => id)).toEqual(['client_id', 'client_secret']);
    const saved = await t.driver.submit(
      call.ref ?? '',
      { client_id: CONSUMER_KEY, client_secret: consumerSecret },
      { userId: OWNER },
    );
    expect(textOf((saved.json as { view: unknown }).view)).toMatch(/re-authenticated[\s\S]*workspace acme/);
    const first = (await (await pull('bb-consumer')).json()) as {
      version: number;
      credential: { access_token: string; expires_at: string };
    };
    expect(Date.parse(first.credential.expires_at) - clock.now().getTime()).toBe(120 * MIN);
    expect(JSON.stringify(first)).not.toContain(consumerSecret);
    const mintsOf = () =>
      t.providers.requests.filter((r) => r.path === '/bitbucket-oauth/site/oauth2/access_token').length;
    const before = mintsOf();
    clock.advance(116 * MIN);
    const answers = await Promise.all(Array.from({ length: 20 }, () => pull('bb-consumer')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(mintsOf() - before).toBe(1);
  });

  it('a Bitbucket access token: pasted with its expiry (the API does not tell it), Bearer on the workspace, the date kept through probes', async () => {
    const call = await openModal(t, 'bb-access', { userId: OWNER });
    expect(inputsOf(call)).toEqual([
      ['token', 'plain_text_input'],
      ['expires_on', 'datepicker'],
    ]);
    const apiToken = await t.driver.submit(
      call.ref ?? '',
      { token: 'ATATT3xFfGF0SomeonesApiToken000001' },
      { userId: OWNER },
    );
    expect((apiToken.json as { errors: Record<string, string> }).errors.token).toMatch(/auth api_key/);
    const expiry = new Date(clock.now().getTime() + 90 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const saved = await t.driver.submit(call.ref ?? '', { token: ACCESS_TOKEN, expires_on: expiry }, { userId: OWNER });
    expect(textOf((saved.json as { view: unknown }).view)).toMatch(/re-authenticated/);
    const [check] = t.providers.requestsWith(ACCESS_TOKEN);
    expect(check?.path).toMatch(/\/2\.0\/repositories\/acme$/);
    expect(check?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    const stored = await t.deps.store.credentials.current('integration:bb-access');
    expect(stored?.expiresAt?.toISOString().slice(0, 10)).toBe(expiry);
    const document = (await (await pull('bb-access')).json()) as { credential: { token: string } };
    expect(document.credential.token).toBe(ACCESS_TOKEN);
    await t.deps.services.checkNow('bb-access', OWNER, { ignoreRecentRejection: true });
    expect(
      (await t.deps.store.credentials.current('integration:bb-access'))?.expiresAt?.toISOString().slice(0, 10),
    ).toBe(expiry);
  });

  it('neither root secret reaches a log line, a Slack message or view, the audit log or the database file', async () => {
    const body = pem.split('\n').slice(1, -2).join('');
    const outputs = [
      t.logs.text(),
      JSON.stringify(t.slack.calls),
      JSON.stringify(await t.deps.store.audit.list()),
    ].join('\n');
    for (const needle of [body.slice(0, 64), body.slice(-64), secret, consumerSecret])
      expect(outputs).not.toContain(needle);
    const atRest = (await t.bytesAtRest()).toString('latin1');
    for (const needle of [body.slice(0, 64), secret, consumerSecret]) expect(atRest).not.toContain(needle);
  });

  it('a deleted App key: the mint is refused, pulls get 503 with Retry-After, one alert asks for a new key; no mint per pull; a new key resolves it', async () => {
    // The token minted at 10:00 (replacing the revoked one) ended at 11:00: nothing valid is held.
    clock.set(new Date('2026-12-07T11:01:00Z'));
    t.providers.githubApps.deleteKeys(424242);
    const before = mints(GITHUB_MINT);
    const alertsBefore = t.slack.callsOf('chat.postMessage').length;
    const refused = await pull('gh-app');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/could not be minted again.*deleted from the App/);
    for (let i = 0; i < 3; i += 1) expect((await pull('gh-app')).status).toBe(503);
    expect(mints(GITHUB_MINT) - before).toBe(1);
    const posted = t.slack.callsOf('chat.postMessage').slice(alertsBefore);
    const alerts = posted.filter((c) => c.args.channel === ALERTS && /GitHub \(Insights App\)/.test(textOf(c.args)));
    expect(alerts).toHaveLength(1);
    expect(textOf(alerts[0]?.args)).toMatch(/Generate a new private key/);
    expect((await t.deps.store.health.of('gh-app'))?.status).toBe('failing');

    const fresh = t.providers.githubApps.newKey(424242);
    const call = await openModal(t, 'gh-app', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { private_key: fresh }, { userId: OWNER });
    expect((await t.deps.store.health.of('gh-app'))?.status).toBe('healthy');
    expect((await pull('gh-app')).status).toBe(200);
  });

  it("the service principal's secret end date is kept through probes and warned of 14 days before", async () => {
    const probes = () => t.providers.requests.filter((r) => r.path.endsWith('/_apis/connectionData')).length;
    const probesBefore = probes();
    await t.deps.monitor.runDue();
    expect(probes() - probesBefore).toBe(1);
    const key = 'azure_devops:acme:service_principal';
    expect((await t.deps.store.credentials.current(key))?.expiresAt?.toISOString()).toBe('2027-06-30T00:00:00.000Z');
    clock.set(new Date('2027-06-20T09:00:00Z'));
    const before = t.slack.callsOf('chat.postMessage').length;
    await t.deps.monitor.sendExpiryWarnings();
    const warnings = t.slack
      .callsOf('chat.postMessage')
      .slice(before)
      .filter((c) => /Azure DevOps \(service principal\)/.test(textOf(c.args)));
    expect(warnings).toHaveLength(1);
    // reauth-bot list and /reauth status show the secret's end date too.
    const list = await cli(['list'], cliEnvOf(t), clock.now());
    expect(list.stdout).toMatch(/ado-sp .*2027-06-30/);
    const responses = t.slack.responses.length;
    await t.driver.command('status', { userId: OWNER });
    await expect.poll(() => t.slack.responses.length).toBe(responses + 1);
    expect(textOf(t.slack.responses.at(-1)?.body)).toMatch(
      /\*Azure DevOps \(service principal\)\* `ado-sp` · expires <!date\^\d+\^\{date_short_pretty\} \{time\}\|2027-06-30 00:00 UTC>/,
    );
  });

  it('with nobody pulling, the monitor mints ahead for the sink: over four token lifetimes the sink always holds a valid token', async () => {
    const latest = () => {
      const updates = hook.received.filter((r) => r.verified && r.payload?.type === 'credential.updated');
      const data = updates.at(-1)?.payload?.data as { credential?: { access_token?: string; expires_at?: string } };
      return data.credential;
    };
    const entraBefore = mints(ENTRA_MINT);
    for (let minute = 0; minute <= 4 * 60; minute += 5) {
      await t.deps.monitor.mintAhead();
      await t.deps.delivery.worker.runDue();
      const held = latest();
      expect(Date.parse(held?.expires_at ?? '')).toBeGreaterThan(clock.now().getTime());
      // What the sink holds works at the provider right now.
      expect(t.providers.token(held?.access_token ?? '')?.installation).toBeDefined();
      clock.advance(5 * MIN);
    }
    // The service principal has no sink: it is minted on demand only.
    expect(mints(ENTRA_MINT)).toBe(entraBefore);
  });

  it('a key longer than a Slack input holds is entered on the one-time page, under the same field name', async () => {
    const long = t.providers.githubApps.newKey(424242, 4096);
    expect(long.length).toBeGreaterThan(SLACK_INPUT_MAX);
    const view = viewOf(await openModal(t, 'gh-app', { userId: OWNER }));
    const link = (
      view.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'open_web_form') as { url: string }
    ).url;
    const browser = createBrowser();
    const page = await browser.get(link);
    expect(page.text).toMatch(/<textarea id="private_key" name="private_key"/);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const refused = await browser.post(link, { csrf, private_key: 'not a key' });
    expect(refused.text).toMatch(/id="private_key-error">This is not a PEM private key/);
    const done = await browser.post(link, { csrf, private_key: long });
    expect(done.status).toBe(200);
    expect(done.text).toMatch(/is re-authenticated/);
    expect(done.text + refused.text).not.toContain(long.split('\n')[1] ?? 'none');
    const stored = await t.deps.store.credentials.current('integration:gh-app');
    expect(stored?.createdBy).toBe(OWNER);
    expect((await t.deps.store.audit.list('gh-app'))[0]).toMatchObject({ action: 'reauth.web', outcome: 'success' });
  });

  it("another service principal's secret is held for a confirmation first (the same-account rule compares the principals' ids)", async () => {
    const other = 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee';
    const otherSecret = t.providers.entraPrincipals.add({
      tenantId: TENANT,
      clientId: other,
      displayName: 'someone-elses-automation',
      organizations: ['acme'],
    });
    const before = await t.deps.store.credentials.current('azure_devops:acme:service_principal');
    const call = await openModal(t, 'ado-sp', { userId: OWNER });
    const response = await t.driver.submit(
      call.ref ?? '',
      { client_id: other, client_secret: otherSecret },
      { userId: OWNER },
    );
    expect(response.json).toMatchObject({ response_action: 'update' });
    const view = textOf((response.json as { view: unknown }).view);
    expect(view).toMatch(/someone-elses-automation/);
    expect(view).toMatch(/insights-automation/);
    expect((await t.deps.store.credentials.current('azure_devops:acme:service_principal'))?.id).toBe(before?.id);
    expect(view).not.toContain(otherSecret);
  });

  it('a service principal removed from the organization: one replacement is tried, then no new token (no new version) per probe while it fails', async () => {
    const mintsOf = () => t.providers.requests.filter((r) => ENTRA_MINT.test(r.path)).length;
    // A token held that is not due (a pull mints one if the clock moved past the last).
    expect((await pull('ado-sp')).status).toBe(200);
    const principal = t.providers.entraPrincipals.principal(CLIENT);
    principal?.organizations.splice(0);
    const versionBefore = (await t.deps.store.credentials.current('azure_devops:acme:service_principal'))?.version ?? 0;
    const before = mintsOf();
    const first = await t.deps.services.checkNow('ado-sp', OWNER, { ignoreRecentRejection: true });
    expect(first.kind === 'checked' && first.result.outcome.kind).toBe('invalid_credentials');
    // The probe says what a person does about it, as the validation would.
    expect(first.kind === 'checked' && first.result.outcome.reason).toMatch(
      /Entra ID issued a token, but Azure DevOps organization acme refused it: add the service principal/,
    );
    expect(mintsOf() - before).toBe(1);
    for (let i = 0; i < 3; i += 1) {
      const again = await t.deps.services.checkNow('ado-sp', OWNER, { ignoreRecentRejection: true });
      expect(again.kind === 'checked' && again.result.outcome.kind).toBe('invalid_credentials');
    }
    expect(mintsOf() - before).toBe(1);
    const versionAfter = (await t.deps.store.credentials.current('azure_devops:acme:service_principal'))?.version ?? 0;
    expect(versionAfter - versionBefore).toBe(1);
    expect((await t.deps.store.health.of('ado-sp'))?.status).toBe('failing');
  });

  it("a Bitbucket consumer whose secret was regenerated: the mint is refused, pulls get 503, one alert over several probes asks for the consumer's current secret", async () => {
    clock.advance(3 * 60 * MIN);
    const current = t.providers.bitbucketConsumers.regenerate(CONSUMER_KEY);
    const before = t.slack.callsOf('chat.postMessage').length;
    expect((await pull('bb-consumer')).status).toBe(503);
    for (let i = 0; i < 3; i += 1)
      await t.deps.services.checkNow('bb-consumer', OWNER, { ignoreRecentRejection: true });
    const alerts = t.slack
      .callsOf('chat.postMessage')
      .slice(before)
      .filter((c) => c.args.channel === ALERTS && /Bitbucket \(workspace consumer\)/.test(textOf(c.args)));
    expect(alerts).toHaveLength(1);
    expect(textOf(alerts[0]?.args)).toMatch(/invalid_client[\s\S]*current Key and Secret/);
    expect((await t.deps.store.health.of('bb-consumer'))?.status).toBe('failing');
    const call = await openModal(t, 'bb-consumer', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { client_id: CONSUMER_KEY, client_secret: current }, { userId: OWNER });
    expect((await t.deps.store.health.of('bb-consumer'))?.status).toBe('healthy');
    expect((await pull('bb-consumer')).status).toBe(200);
    expect(JSON.stringify(t.slack.calls) + t.logs.text()).not.toContain(current);
  });
});
