import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBrowser } from '../helpers/browser.js';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { openModal, viewOf } from '../helpers/flows.js';
import { BOT_TOKEN, OWNER, SIGNING_SECRET, startTestApp, type TestApp } from '../helpers/start-app.js';

/** Distinctive secrets, each used in a real flow; none may surface anywhere but at the provider. */
const SECRETS = {
  jiraCloud: 'ATATT3xLEAKCANARYjiracloud0123456789=ZZ99',
  jiraDcBad: 'LEAKCANARYjiradcPATrejected0123456',
  githubOne: 'ghp_LEAKCANARYgithubOne0123456789abcdeZ',
  githubTwo: 'ghp_LEAKCANARYgithubTwo0123456789abcdeZ',
  ado: 'leakcanaryadopat0123456789abcdefghijklmnopqrstuvw',
  harness: 'pat.acct1.leakcanary.LEAKCANARYharnessSecret',
  gitlabSlow: 'glpat-LEAKCANARYgitlabSlow0123',
  sonarForeign: 'sqa_LEAKCANARYsonarAnalysis0123456789abcdef',
  bitbucketBad: 'ATATT3xLEAKCANARYbitbucketWrongUser0123=ZZ',
};

describe('secrets never leak', () => {
  let t: TestApp;
  const issuedOAuthTokens: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue, fastPathMs: 200 });
    const id = { id: '9', name: 'Canary User', email: 'canary@acme.com', username: 'canary' };
    t.providers.setToken(SECRETS.jiraCloud, { provider: 'jira', basicUser: 'canary@acme.com', identity: id });
    t.providers.setToken(SECRETS.githubOne, { provider: 'github', scopes: ['repo', 'read:org'], identity: id });
    t.providers.setToken(SECRETS.githubTwo, { provider: 'github', scopes: ['repo', 'read:org'], identity: id });
    t.providers.setToken(SECRETS.ado, { provider: 'azure_devops', organization: 'acme', identity: id });
    t.providers.setToken(SECRETS.harness, { provider: 'harness', accountId: 'acct1', identity: id });
    t.providers.setToken(SECRETS.gitlabSlow, {
      provider: 'gitlab',
      scopes: ['read_api'],
      status: 'slow',
      delayMs: 500,
      identity: id,
    });
    t.providers.setToken(SECRETS.bitbucketBad, {
      provider: 'bitbucket',
      basicUser: 'someone-else@acme.com',
      identity: id,
    });

    const submit = async (integration: string, values: Record<string, string>) => {
      const call = await openModal(t, integration, { userId: OWNER });
      return t.driver.submit(call.ref ?? '', values, { userId: OWNER });
    };
    await submit('jira-cloud', { email: 'canary@acme.com', token: SECRETS.jiraCloud });
    await submit('jira-dc', { token: SECRETS.jiraDcBad });
    await submit('github-pat', { email: 'canary@acme.com', token: `${SECRETS.githubOne}\n${SECRETS.githubTwo}` });
    await submit('github-pat', { email: 'canary@acme.com', token: `${SECRETS.githubOne}\n${SECRETS.githubOne}` });
    await submit('ado-boards', { email: 'canary@acme.com', token: SECRETS.ado });
    await submit('harness', { email: 'canary@acme.com', token: SECRETS.harness });
    await submit('sonar', { username: 'canary', token: SECRETS.sonarForeign });
    await submit('bb-token', { email: 'canary@acme.com', token: SECRETS.bitbucketBad });
    const slow = await openModal(t, 'gitlab', { userId: OWNER });
    await t.driver.submit(slow.ref ?? '', { token: SECRETS.gitlabSlow }, { userId: OWNER });
    await vi.waitFor(
      () => expect(JSON.stringify(t.slack.view(slow.ref ?? '')?.view)).toContain('is re-authenticated'),
      { timeout: 5000 },
    );

    // OAuth round trip: the tokens the provider issues must stay sealed too.
    const oauth = await openModal(t, 'bb-oauth', { userId: OWNER });
    const link =
      (viewOf(oauth).blocks.find((b) => b.type === 'actions')?.elements?.[0] as { url: string } | undefined)?.url ?? '';
    const browser = createBrowser();
    const start = await browser.get(link);
    const page = await browser.get(await browser.decide(start.location ?? '', 'approve'));
    expect(page.status).toBe(200);
    for (const request of t.providers.requests) {
      if (request.mount === '/bitbucket' && request.token) issuedOAuthTokens.push(request.token);
      if (request.path.endsWith('/access_token')) {
        for (const value of new URLSearchParams(request.body).values())
          if (value.length > 20) issuedOAuthTokens.push(value);
      }
    }
    expect(issuedOAuthTokens.length).toBeGreaterThan(0);
    await vi.waitFor(() => expect(t.slack.messages.some((m) => m.text.includes('by signing in'))).toBe(true));
  });
  afterAll(async () => t?.close());

  const everything = () => [...Object.values(SECRETS), ...issuedOAuthTokens, BOT_TOKEN, SIGNING_SECRET];

  it('the flows really sent the secrets to the providers (so the searches below mean something)', () => {
    for (const secret of [
      SECRETS.jiraCloud,
      SECRETS.githubOne,
      SECRETS.ado,
      SECRETS.harness,
      SECRETS.gitlabSlow,
      SECRETS.jiraDcBad,
    ]) {
      expect(t.providers.requestsWith(secret).length, secret.slice(0, 12)).toBeGreaterThan(0);
    }
    expect(t.logs.text().length).toBeGreaterThan(1000);
  });

  it('no log line, at debug level, contains any of them', () => {
    const logs = t.logs.text();
    for (const secret of everything())
      expect(logs.includes(secret), `log contains ${secret.slice(0, 10)}…`).toBe(false);
  });

  it('no Slack call or response_url post contains any of them', () => {
    const slack = JSON.stringify(t.slack.calls) + JSON.stringify(t.slack.responses) + JSON.stringify(t.slack.messages);
    for (const secret of [...Object.values(SECRETS), ...issuedOAuthTokens])
      expect(slack.includes(secret), `Slack saw ${secret.slice(0, 10)}…`).toBe(false);
  });

  it('the database file and its WAL contain none of them (audit rows included)', () => {
    const path = t.config.databasePath;
    const files = [path, `${path}-wal`].filter(existsSync);
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.includes(Buffer.from('reauth.modal'))).toBe(true);
    for (const secret of everything())
      expect(bytes.includes(Buffer.from(secret)), `database holds ${secret.slice(0, 10)}…`).toBe(false);
  });
});
