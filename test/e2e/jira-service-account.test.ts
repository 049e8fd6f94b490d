import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { inputsOf, openModal, textOf } from '../helpers/flows.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const CONSUMER = 'rct_JIRASERVICEACCOUNTconsumerToken0000001';
const MIN = 60_000;
const ACCOUNT = '712020:5b10ac8d-82e2-4b75-9a0b-5c2e1a8c1a01';

type Pulled = { version: number; expires_at: string; credential: { access_token: string; expires_at: string } };

/**
 * A Jira Cloud site on an Atlassian service account (SPEC §12): the OAuth 2.0 credential's client id and
 * secret entered once; Reauth mints 60-minute tokens with a JSON client-credentials request and no scope,
 * finds the site's cloud id through accessible-resources and keeps it, and proves every token through
 * the API gateway — never the site's own URL, which refuses a service account's token.
 */
describe('jira / service_account: an Atlassian service account minted through the API gateway', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-12-07T09:00:00Z'));
  let credential = { clientId: '', clientSecret: '' };
  let site = '';
  const pull = (id: string) =>
    fetch(`${t.url}/v1/credentials/${id}`, { headers: { authorization: `Bearer ${CONSUMER}` } });
  const requestsTo = (path: RegExp) => t.providers.requests.filter((r) => path.test(r.path));
  const TOKEN = /^\/atlassian-auth\/oauth\/token$/;
  const RESOURCES = /^\/atlassian-api\/oauth\/token\/accessible-resources$/;
  const GATEWAY = /^\/atlassian-api\/ex\/jira\/[^/]+\/rest\/api\/3\/myself$/;

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      providersOnClock: true,
      env: { HEALTH_CHECK_INTERVAL_SECONDS: '900' },
      beforeStart: async (p) => {
        site = p.baseUrl('jira');
        credential = p.atlassianServiceAccounts.add({ accountId: ACCOUNT, name: 'insights-bot', sites: [site] });
        // Another site the account reaches: the right one must be picked by its URL.
        p.atlassianServiceAccounts.cloudIdOf(`${p.url}/jira-other`);
        p.atlassianServiceAccounts.account(ACCOUNT)?.sites.unshift(`${p.url}/jira-other`);
        return {};
      },
      catalogue: (p) => `integrations:
  - id: jira-sa
    name: Jira (service account)
    provider: jira
    auth: service_account
    url: "${p.baseUrl('jira')}"
    auth_url: "${p.atlassianAuthUrl}"
    api_url: "${p.atlassianApiUrl}"
    channel: ${ALERTS}
    owners: [${OWNER}]
  - id: jira-sa-elsewhere
    name: Jira (a site the account cannot reach)
    provider: jira
    auth: service_account
    url: "${p.url}/jira-unreached"
    auth_url: "${p.atlassianAuthUrl}"
    api_url: "${p.atlassianApiUrl}"
    channel: ${ALERTS}
    owners: [${OWNER}]
  - id: jira-sa-pinned
    name: Jira (cloud id given)
    provider: jira
    auth: service_account
    url: "${p.baseUrl('jira')}"
    cloud_id: ${p.atlassianServiceAccounts.cloudIdOf(p.baseUrl('jira'))}
    auth_url: "${p.atlassianAuthUrl}"
    api_url: "${p.atlassianApiUrl}"
    channel: ${ALERTS}
    owners: [${OWNER}]
consumers:
  - name: insights
    token_sha256: ${sha256Hex(CONSUMER)}
    integrations: [jira-sa, jira-sa-pinned]
`,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('the modal asks for the client id, secret and an optional end date; an app password or an API token is refused before any request', async () => {
    const call = await openModal(t, 'jira-sa', { userId: OWNER });
    expect(inputsOf(call)).toEqual([
      ['client_id', 'plain_text_input'],
      ['client_secret', 'plain_text_input'],
      ['expires_on', 'datepicker'],
    ]);
    const before = t.providers.requests.length;
    const appPassword = await t.driver.submit(
      call.ref ?? '',
      { client_id: credential.clientId, client_secret: 'ATBB3xFfGN0SomeAppPassword0001' },
      { userId: OWNER },
    );
    expect((appPassword.json as { errors: Record<string, string> }).errors.client_secret).toMatch(
      /app password.*removed app passwords on 28 July 2026/,
    );
    const apiToken = await t.driver.submit(
      call.ref ?? '',
      { client_id: credential.clientId, client_secret: 'ATATT3xFfGF0SomeonesApiToken0001' },
      { userId: OWNER },
    );
    expect((apiToken.json as { errors: Record<string, string> }).errors.client_secret).toMatch(
      /API token.*auth api_key/,
    );
    expect(t.providers.requests.length).toBe(before);
  });

  it('a wrong secret is refused under its field, saying what to do', async () => {
    const call = await openModal(t, 'jira-sa', { userId: OWNER });
    const wrong = await t.driver.submit(
      call.ref ?? '',
      { client_id: credential.clientId, client_secret: 'ATOAnotTheSecret0000000000000000' },
      { userId: OWNER },
    );
    expect((wrong.json as { errors: Record<string, string> }).errors.client_secret).toMatch(
      /Atlassian refused the client credentials \(access_denied: Unauthorized\).*new OAuth 2\.0 credential/,
    );
    expect(await t.deps.store.credentials.current('integration:jira-sa')).toBeUndefined();
  });

  it('validates with a JSON request without scope, finds the cloud id, calls myself through the gateway; consumers get the token', async () => {
    t.providers.clearRequests();
    const call = await openModal(t, 'jira-sa', { userId: OWNER });
    const saved = await t.driver.submit(
      call.ref ?? '',
      { client_id: credential.clientId, client_secret: credential.clientSecret, expires_on: '2027-09-30' },
      { userId: OWNER },
    );
    expect(textOf((saved.json as { view: unknown }).view)).toMatch(/re-authenticated[\s\S]*insights-bot/);

    const [mint] = requestsTo(TOKEN);
    expect(mint?.method).toBe('POST');
    expect(mint?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(mint?.body ?? '{}')).toEqual({
      grant_type: 'client_credentials',
      client_id: credential.clientId,
      client_secret: credential.clientSecret,
    });
    const [resources] = requestsTo(RESOURCES);
    const [myself] = requestsTo(GATEWAY);
    const cloudId = t.providers.atlassianServiceAccounts.cloudIdOf(site);
    expect(myself?.path).toBe(`/atlassian-api/ex/jira/${cloudId}/rest/api/3/myself`);
    expect(resources?.headers.authorization).toMatch(/^Bearer eyJ/);
    expect(myself?.headers.authorization).toBe(resources?.headers.authorization);
    // Nothing goes to the site's own URL.
    expect(t.providers.requests.filter((r) => r.mount === '/jira')).toHaveLength(0);

    const stored = await t.deps.store.credentials.current('integration:jira-sa');
    expect(stored?.identity).toMatchObject({ id: ACCOUNT, name: 'insights-bot' });
    expect(stored?.expiresAt?.toISOString()).toBe('2027-09-30T00:00:00.000Z');

    const answer = await pull('jira-sa');
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as Pulled;
    expect(document.credential.access_token).toBe(myself?.headers.authorization?.slice('Bearer '.length));
    expect(Date.parse(document.expires_at) - clock.now().getTime()).toBe(60 * MIN);
    expect(JSON.stringify(document)).not.toContain(credential.clientSecret);
  });

  it('the cloud id is kept with the credential: a probe goes straight to the gateway', async () => {
    t.providers.clearRequests();
    const checked = await t.deps.services.checkNow('jira-sa', OWNER, { ignoreRecentRejection: true });
    expect(checked.kind === 'checked' && checked.result.outcome.kind).toBe('valid');
    expect(requestsTo(RESOURCES)).toHaveLength(0);
    expect(requestsTo(GATEWAY)).toHaveLength(1);
  });

  it('a token with less than 5 minutes left is minted again, once for 30 pulls at the same moment', async () => {
    const first = (await (await pull('jira-sa')).json()) as Pulled;
    clock.advance(56 * MIN);
    const before = requestsTo(TOKEN).length;
    const answers = await Promise.all(Array.from({ length: 30 }, () => pull('jira-sa')));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 30 }, () => 200));
    const documents = (await Promise.all(answers.map((a) => a.json()))) as Pulled[];
    expect(requestsTo(TOKEN).length - before).toBe(1);
    expect(new Set(documents.map((d) => d.credential.access_token)).size).toBe(1);
    expect(documents[0]?.version).toBe(first.version + 1);
  });

  it('with cloud_id in integrations.yml, no discovery is made', async () => {
    t.providers.clearRequests();
    const call = await openModal(t, 'jira-sa-pinned', { userId: OWNER });
    const saved = await t.driver.submit(
      call.ref ?? '',
      { client_id: credential.clientId, client_secret: credential.clientSecret },
      { userId: OWNER },
    );
    expect(textOf((saved.json as { view: unknown }).view)).toMatch(/re-authenticated/);
    expect(requestsTo(RESOURCES)).toHaveLength(0);
    expect(requestsTo(GATEWAY)).toHaveLength(1);
  });

  it('a site the service account does not reach is refused by name, with the sites it does reach', async () => {
    const call = await openModal(t, 'jira-sa-elsewhere', { userId: OWNER });
    const refused = await t.driver.submit(
      call.ref ?? '',
      { client_id: credential.clientId, client_secret: credential.clientSecret },
      { userId: OWNER },
    );
    const error = (refused.json as { errors: Record<string, string> }).errors.client_secret;
    expect(error).toMatch(
      /does not reach http:\/\/127\.0\.0\.1:\d+\/jira-unreached \(it reaches .*\/jira-other, .*\/jira\)/,
    );
    expect(error).toMatch(/give the service account access to Jira on that site.*or correct url/);
    expect(requestsTo(GATEWAY).filter((r) => r.path.includes('jira-unreached'))).toHaveLength(0);
    expect(await t.deps.store.credentials.current('integration:jira-sa-elsewhere')).toBeUndefined();
  });

  it("another service account's credential is held for a confirmation first (the accounts' accountIds differ)", async () => {
    const other = t.providers.atlassianServiceAccounts.add({ name: 'someone-elses-bot', sites: [site] });
    const before = await t.deps.store.credentials.current('integration:jira-sa');
    const call = await openModal(t, 'jira-sa', { userId: OWNER });
    const response = await t.driver.submit(
      call.ref ?? '',
      { client_id: other.clientId, client_secret: other.clientSecret },
      { userId: OWNER },
    );
    const view = textOf((response.json as { view: unknown }).view);
    expect(view).toMatch(/someone-elses-bot/);
    expect(view).toMatch(/insights-bot/);
    expect((await t.deps.store.credentials.current('integration:jira-sa'))?.id).toBe(before?.id);
  });

  it('a deleted credential: the mint is refused, pulls get 503, one alert asks for a new credential over several probes', async () => {
    clock.advance(61 * MIN);
    t.providers.atlassianServiceAccounts.deleteCredential(credential.clientId);
    const alertsBefore = t.slack.callsOf('chat.postMessage').length;
    const refused = await pull('jira-sa');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 3; i += 1) {
      await t.deps.services.checkNow('jira-sa', OWNER, { ignoreRecentRejection: true });
      await t.deps.monitor.runDue();
    }
    const alerts = t.slack
      .callsOf('chat.postMessage')
      .slice(alertsBefore)
      .filter((c) => c.args.channel === ALERTS && /Jira \(service account\)/.test(textOf(c.args)));
    expect(alerts).toHaveLength(1);
    expect(textOf(alerts[0]?.args)).toMatch(/new OAuth 2\.0 credential/);
    expect((await t.deps.store.health.of('jira-sa'))?.status).toBe('failing');
    const list = await cli(['list'], cliEnvOf(t), clock.now());
    expect(list.stdout).toMatch(/jira-sa .*failing/);

    const fresh = t.providers.atlassianServiceAccounts.newCredential(ACCOUNT);
    const call = await openModal(t, 'jira-sa', { userId: OWNER });
    await t.driver.submit(
      call.ref ?? '',
      { client_id: fresh.clientId, client_secret: fresh.clientSecret },
      { userId: OWNER },
    );
    expect((await t.deps.store.health.of('jira-sa'))?.status).toBe('healthy');
    expect((await pull('jira-sa')).status).toBe(200);
  });

  it('no client secret reaches a log line, a Slack message or view, the audit log or the database file', async () => {
    const outputs = [
      t.logs.text(),
      JSON.stringify(t.slack.calls),
      JSON.stringify(await t.deps.store.audit.list()),
    ].join('\n');
    expect(outputs).not.toContain(credential.clientSecret);
    const atRest = (await t.bytesAtRest()).toString('latin1');
    expect(atRest).not.toContain(credential.clientSecret);
  });
});
