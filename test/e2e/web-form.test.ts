import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { hashLink } from '../../src/services/web-form.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBrowser } from '../helpers/browser.js';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { openModal, textOf, viewOf } from '../helpers/flows.js';
import { ADMIN, OWNER, manualClock, startTestApp, type TestApp } from '../helpers/start-app.js';

const TOKENS = {
  jira: 'ATATT3xWEBFORMjiraServiceToken0123456789=ZZ',
  jiraAgain: 'ATATT3xWEBFORMjiraServiceAgain012345678=ZZ',
  jiraPersonal: 'ATATT3xWEBFORMjiraPersonalToken01234567=ZZ',
  jiraRevoked: 'ATATT3xWEBFORMjiraRevokedToken012345678=ZZ',
  sonar: 'squ_WEBFORMsonarToken0123456789abcdef0123',
};
const SERVICE = { id: 'svc-acc', name: 'Jira Service', email: 'svc@acme.com' };
const PERSON = { id: 'pat-acc', name: 'Pat Person', email: 'pat@acme.com' };

const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('the one-time web page', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  const pages: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue, fastPathMs: 300, clock });
    t.providers.setToken(TOKENS.jira, { provider: 'jira', basicUser: 'svc@acme.com', identity: SERVICE });
    t.providers.setToken(TOKENS.jiraAgain, { provider: 'jira', basicUser: 'svc@acme.com', identity: SERVICE });
    t.providers.setToken(TOKENS.jiraPersonal, { provider: 'jira', basicUser: 'pat@acme.com', identity: PERSON });
    t.providers.setToken(TOKENS.jiraRevoked, {
      provider: 'jira',
      basicUser: 'svc@acme.com',
      status: 'revoked',
      identity: SERVICE,
    });
    t.providers.setToken(TOKENS.sonar, {
      provider: 'sonarqube',
      identity: { id: 'sonar-ci', username: 'sonar-ci', name: 'Sonar CI' },
    });
  });
  afterAll(async () => t?.close());

  /** Every one-time link the modals carried: none may reach a log line. */
  const links: string[] = [];
  /** The link the modal's open_web_form button carries, for this user. */
  async function linkFor(id: string, userId = OWNER): Promise<string> {
    const view = viewOf(await openModal(t, id, { userId }));
    const button = view.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'open_web_form') as
      | { url: string }
      | undefined;
    if (!button) throw new Error('no open_web_form button');
    links.push(button.url);
    return button.url;
  }
  /** A browser that opened the link, with the page it got. */
  async function opened(id: string, userId = OWNER) {
    const link = await linkFor(id, userId);
    const browser = createBrowser();
    const page = await browser.get(link);
    pages.push(page.text);
    return { link, browser, page, csrf: csrfOf(page.text) };
  }
  const fingerprint = async (id: string) =>
    (await t.deps.store.credentials.current(`integration:${id}`))?.fingerprints.join(',');
  const lastWebFormAudit = async () => (await t.deps.store.audit.list()).find((a) => a.action === 'reauth.web_form');

  it('the modal carries the link, under PUBLIC_URL/reauth/form/, beside the inputs (SECRET_ENTRY=both)', async () => {
    const view = viewOf(await openModal(t, 'jira-cloud', { userId: OWNER }));
    expect(view.blocks.map((b) => b.block_id)).toEqual(expect.arrayContaining(['email', 'token']));
    const link = await linkFor('jira-cloud');
    expect(link).toMatch(new RegExp(`^${t.url}/reauth/form/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
  });

  it('opening the modal writes nothing: the signed link is stored, and its issue audited, when it is first opened', async () => {
    const linkAudits = async () => (await t.deps.store.audit.list()).filter((a) => a.action.startsWith('reauth.web_'));
    const audits = (await linkAudits()).length;
    const issuedAt = clock.now();
    const link = await linkFor('jira-cloud');
    const stored = async () => t.deps.store.secretForms.find(hashLink(new URL(link).pathname.split('/').pop() ?? ''));
    expect([await stored(), (await linkAudits()).length]).toEqual([undefined, audits]);
    clock.advance(60_000);
    expect((await createBrowser().get(link)).status).toBe(200);
    expect(await stored()).toMatchObject({ integrationId: 'jira-cloud', slackUserId: OWNER });
    const [opened, issued] = await linkAudits();
    expect([issued?.action, issued?.outcome, issued?.actor, issued?.at.getTime()]).toEqual([
      'reauth.web_link',
      'issued',
      OWNER,
      issuedAt.getTime(),
    ]);
    expect([opened?.action, opened?.outcome]).toEqual(['reauth.web_form', 'opened']);
  });

  it('serves a self-contained page with strict headers, bound to this browser by an HttpOnly, SameSite=Strict cookie', async () => {
    const { page } = await opened('jira-cloud');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "form-action 'self'", "frame-ancestors 'none'"])
      expect(csp).toContain(directive);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const [cookie = ''] = page.setCookie;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/reauth\/form;/);
    expect(cookie).not.toMatch(/Secure/);
    expect(page.text).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)[^"<\s]+\.(css|js)/);
    expect(page.text).toContain('Jira Cloud');
    expect(page.text).toContain('Atlassian');
    expect(page.text).toContain('api_key');
    expect(page.text).toContain(t.providers.baseUrl('jira'));
    expect(page.text).toContain(`${OWNER.toLowerCase()} (${OWNER}), in Slack`);
    expect(page.text).toMatch(/<input type="email" id="email" name="email"/);
    expect(page.text).toMatch(/<input type="password" id="token" name="token"/);
    expect(page.text).toMatch(/<label for="token">/);
    expect(csrfOf(page.text)).toHaveLength(43);
  });

  it('validates and swaps exactly as the modal does, posts the outcome in Slack naming the user, and works once', async () => {
    const { link, browser, csrf } = await opened('jira-cloud');
    const messages = t.slack.messages.length;
    const done = await browser.post(link, { csrf, email: 'svc@acme.com', token: TOKENS.jira });
    pages.push(done.text);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Jira Cloud is re-authenticated');
    expect((await t.deps.store.credentials.current('integration:jira-cloud'))?.identity).toMatchObject({
      id: SERVICE.id,
    });
    expect((await t.deps.store.audit.list('jira-cloud'))[0]).toMatchObject({
      actor: OWNER,
      action: 'reauth.web',
      outcome: 'success',
    });
    await vi.waitFor(() =>
      expect(
        t.slack.messages.slice(messages).some((m) => m.text.includes(`<@${OWNER}> re-authenticated Jira Cloud`)),
      ).toBe(true),
    );
    const before = await fingerprint('jira-cloud');
    const again = await browser.post(link, { csrf, email: 'svc@acme.com', token: TOKENS.jiraAgain });
    expect(again.status).toBe(410);
    expect(again.text).toContain('already used');
    expect(await fingerprint('jira-cloud')).toBe(before);
    expect(await lastWebFormAudit()).toMatchObject({ outcome: 'used' });
  });

  it('a refused credential shows the form again with the reason tied to its field, the secret not sent back', async () => {
    const { link, browser, csrf } = await opened('jira-cloud');
    const before = await fingerprint('jira-cloud');
    const page = await browser.post(link, { csrf, email: 'svc@acme.com', token: TOKENS.jiraRevoked });
    pages.push(page.text);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(
      /<input type="password" id="token" name="token" aria-describedby="token-hint token-error" required aria-invalid="true" autofocus/,
    );
    expect(page.text).toMatch(/<p class="error" id="token-error">[^<]+<\/p>/);
    expect(page.text).toContain('value="svc@acme.com"');
    expect(page.text).not.toContain(TOKENS.jiraRevoked);
    expect(await fingerprint('jira-cloud')).toBe(before);
    // The link still works for a corrected attempt.
    const fixed = await browser.post(link, { csrf: csrfOf(page.text), email: 'svc@acme.com', token: TOKENS.jiraAgain });
    expect(fixed.text).toContain('is re-authenticated');
  });

  it('a token of another account is a second step, with a confirm_account checkbox; unchecked keeps the current one', async () => {
    const { link, browser, csrf } = await opened('jira-cloud');
    const before = await fingerprint('jira-cloud');
    const ask = await browser.post(link, { csrf, email: 'pat@acme.com', token: TOKENS.jiraPersonal });
    pages.push(ask.text);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('belongs to another account');
    expect(ask.text).toContain('Pat Person &lt;pat@acme.com&gt;, id pat-acc');
    expect(ask.text).toContain('Jira Service &lt;svc@acme.com&gt;, id svc-acc');
    expect(ask.text).toMatch(/<input type="checkbox" id="confirm_account" name="confirm_account" value="replace"/);
    expect(ask.text).not.toContain(TOKENS.jiraPersonal);
    expect(await fingerprint('jira-cloud')).toBe(before);
    const declined = await browser.post(link, { csrf: csrfOf(ask.text), step: 'confirm' });
    expect(declined.status).toBe(200);
    expect(declined.text).toContain('Nothing was changed: the credential of Pat Person');
    expect(await fingerprint('jira-cloud')).toBe(before);
    // Asked again and confirmed: swapped, audited with both accounts.
    const askAgain = await browser.post(link, { csrf, email: 'pat@acme.com', token: TOKENS.jiraPersonal });
    const confirmed = await browser.post(link, {
      csrf: csrfOf(askAgain.text),
      step: 'confirm',
      confirm_account: 'replace',
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('is re-authenticated');
    expect((await t.deps.store.credentials.current('integration:jira-cloud'))?.identity).toMatchObject({
      id: PERSON.id,
    });
    expect((await t.deps.store.audit.list('jira-cloud'))[0]).toMatchObject({
      action: 'reauth.web',
      outcome: 'success',
      detail: {
        previous_accounts: [expect.stringContaining('svc-acc')],
        new_accounts: [expect.stringContaining('pat-acc')],
      },
    });
  });

  describe('refusals: a 4xx page with one clear sentence, audited, nothing changed', () => {
    it('another browser', async () => {
      const { link } = await opened('jira-cloud');
      const asked = t.providers.requestsWith(TOKENS.jiraAgain).length;
      const other = createBrowser();
      const page = await other.get(link);
      expect(page.status).toBe(403);
      expect(page.text).toContain('open in another browser');
      expect(await lastWebFormAudit()).toMatchObject({ outcome: 'other_browser' });
      const post = await other.post(link, { csrf: 'x', email: 'svc@acme.com', token: TOKENS.jiraAgain });
      expect(post.status).toBe(403);
      expect(t.providers.requestsWith(TOKENS.jiraAgain)).toHaveLength(asked);
    });

    it('a POST to a link no browser opened yet', async () => {
      const link = await linkFor('jira-cloud');
      const page = await createBrowser().post(link, { email: 'svc@acme.com', token: TOKENS.jiraAgain });
      expect(page.status).toBe(403);
      expect(await lastWebFormAudit()).toMatchObject({ outcome: 'other_browser' });
    });

    it.each([
      ['missing', undefined],
      ['wrong', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ])('a %s anti-forgery field', async (_what, csrf) => {
      const { link, browser } = await opened('jira-cloud');
      const before = await fingerprint('jira-cloud');
      const page = await browser.post(link, {
        ...(csrf ? { csrf } : {}),
        email: 'svc@acme.com',
        token: TOKENS.jiraAgain,
      });
      expect(page.status).toBe(403);
      expect(page.text).toContain('anti-forgery');
      expect(await lastWebFormAudit()).toMatchObject({ outcome: 'bad_form' });
      expect(await fingerprint('jira-cloud')).toBe(before);
    });

    it('an unknown link: the page says so, and no audit row is written (it is only counted)', async () => {
      const audited = (await t.deps.store.audit.list()).length;
      const page = await createBrowser().get(`${t.url}/reauth/form/${'A'.repeat(43)}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain('does not know this link');
      expect(await t.deps.store.audit.list()).toHaveLength(audited);
    });

    it('a link whose signed part was altered is one Reauth never issued: not stored, not audited', async () => {
      const link = await linkFor('jira-cloud');
      const [body = '', signature = ''] = (link.split('/').at(-1) ?? '').split('.');
      const fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      const altered = Buffer.from(JSON.stringify({ ...fields, i: 'github-pat' })).toString('base64url');
      const audited = (await t.deps.store.audit.list()).length;
      for (const state of [`${altered}.${signature}`, `${body}.${'A'.repeat(43)}`, body]) {
        const page = await createBrowser().get(`${t.url}/reauth/form/${state}`);
        expect(page.status).toBe(404);
        expect(page.text).toContain('does not know this link');
      }
      expect(await t.deps.store.audit.list()).toHaveLength(audited);
    });

    it('a refusal repeated on one link is audited once per outcome', async () => {
      const { link } = await opened('jira-cloud');
      const other = createBrowser();
      const audited = async () =>
        (await t.deps.store.audit.list()).filter((a) => a.action === 'reauth.web_form' && a.outcome === 'other_browser')
          .length;
      const before = await audited();
      for (let i = 0; i < 5; i += 1) expect((await other.get(link)).status).toBe(403);
      for (let i = 0; i < 5; i += 1)
        expect((await other.post(link, { csrf: 'x', email: 'svc@acme.com', token: TOKENS.jiraAgain })).status).toBe(
          403,
        );
      expect(await audited()).toBe(before + 1);
    });

    it('an expired link', async () => {
      const { link, browser, csrf } = await opened('jira-cloud');
      clock.advance(10 * 60 * 1000 + 1);
      const page = await browser.post(link, { csrf, email: 'svc@acme.com', token: TOKENS.jiraAgain });
      expect(page.status).toBe(410);
      expect(page.text).toContain('work for 10 minutes');
      expect(await lastWebFormAudit()).toMatchObject({ outcome: 'expired' });
    });

    it('a user who may no longer manage the integration', async () => {
      const { link, browser, csrf } = await opened('jira-cloud', ADMIN);
      await t.restart({ REAUTH_ADMINS: '' });
      const page = await browser.post(link, { csrf, email: 'svc@acme.com', token: TOKENS.jiraAgain });
      expect(page.status).toBe(403);
      expect(page.text).toContain('no longer one of its owners');
      expect(await lastWebFormAudit()).toMatchObject({ actor: ADMIN, outcome: 'permission_denied' });
      await t.restart({ REAUTH_ADMINS: ADMIN });
    });

    it('fields of another auth type', async () => {
      const { link, browser, csrf } = await opened('jira-cloud');
      const page = await browser.post(link, { csrf, username: 'admin', token: TOKENS.jiraAgain });
      expect(page.status).toBe(400);
      expect(page.text).toContain('does not use (username)');
      expect((await t.deps.store.audit.list('jira-cloud'))[0]).toMatchObject({
        action: 'reauth.web',
        outcome: 'tampered',
      });
    });
  });

  it('SECRET_ENTRY=web: the modal holds no secret input at all, only the link; SECRET_ENTRY=slack: no link', async () => {
    await t.restart({ SECRET_ENTRY: 'web' });
    for (const id of ['jira-cloud', 'github-pat', 'sonar', 'gitlab']) {
      const view = viewOf(await openModal(t, id, { userId: OWNER }));
      expect(
        view.blocks.filter((b) => b.type === 'input'),
        id,
      ).toEqual([]);
      expect(JSON.stringify(view.blocks)).toContain('"action_id":"open_web_form"');
    }
    const sonar = await opened('sonar');
    expect(sonar.page.text).toMatch(/<input type="text" id="username" name="username"/);
    const done = await sonar.browser.post(sonar.link, { csrf: sonar.csrf, username: 'sonar-ci', token: TOKENS.sonar });
    expect(done.text).toContain('SonarQube is re-authenticated');
    await t.restart({ SECRET_ENTRY: 'slack' });
    const view = viewOf(await openModal(t, 'jira-cloud', { userId: OWNER }));
    expect(JSON.stringify(view.blocks)).not.toContain('open_web_form');
    await t.restart({});
  });

  it('a flood of links Reauth never issued writes no audit row: counted, summarised once a minute, and throttled per source', async () => {
    // A fresh process: the throttle's minute starts with this flood, whatever the tests before it sent.
    await t.restart();
    const logged = t.logs.lines().length;
    const audited = (await t.deps.store.audit.list()).length;
    const statuses: number[] = [];
    for (let i = 0; i < 120; i += 1) {
      const random = Buffer.from(`flood-${i}-${Math.random()}`).toString('base64url').padEnd(43, 'x');
      const target = i % 2 ? `/reauth/form/${random}` : `/oauth/callback?state=${random}&code=x`;
      const response = await fetch(`${t.url}${target}`);
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(await t.deps.store.audit.list()).toHaveLength(audited);
    // 20 answered as unknown, then 429 for the rest of the minute.
    expect(statuses.filter((s) => s !== 429)).toHaveLength(20);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/reauth_unknown_link_requests_total\{path="web_form"\} (6\d|[7-9]\d|\d{3})/);
    // A minute later the source may try again, and the minute's requests are one summary line.
    clock.advance(61_000);
    expect((await fetch(`${t.url}/reauth/form/${'B'.repeat(43)}`)).status).toBe(404);
    const summaries = t.logs
      .lines()
      .slice(logged)
      .filter((l) => l.event === 'unknown_link_requests');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ failures: 20, throttled: 100 });
  });

  it('two POSTs of one link at the same moment swap at most once; the second changes nothing and says so', async () => {
    // Two tokens of the account in place now (no hand-over step), the first answered slowly by Jira.
    const who =
      (await t.deps.store.credentials.current('integration:jira-cloud'))?.identity?.id === PERSON.id ? PERSON : SERVICE;
    const slow = 'ATATT3xWEBFORMjiraSameAccountSlowToken01=ZZ';
    const quick = 'ATATT3xWEBFORMjiraSameAccountQuickToken0=ZZ';
    t.providers.setToken(slow, { provider: 'jira', basicUser: who.email, identity: who, delayMs: 400 });
    t.providers.setToken(quick, { provider: 'jira', basicUser: who.email, identity: who });
    const { link, browser, csrf } = await opened('jira-cloud');
    const successes = async () =>
      (await t.deps.store.audit.list('jira-cloud')).filter((a) => a.action === 'reauth.web' && a.outcome === 'success')
        .length;
    const before = await successes();
    const [first, second] = await Promise.all([
      browser.post(link, { csrf, email: who.email, token: slow }),
      browser.post(link, { csrf, email: who.email, token: quick }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 409]);
    const refused = first.status === 409 ? first : second;
    expect(refused.text).toContain('being used right now');
    expect(await successes()).toBe(before + 1);
    // The page that said "re-authenticated" is the one whose token is in use.
    expect(first.text.includes('is re-authenticated') || second.text.includes('is re-authenticated')).toBe(true);
    const used = first.status === 200 ? slow : quick;
    expect((await t.deps.store.credentials.current('integration:jira-cloud'))?.fingerprints).toEqual([
      fingerprintSecret(used),
    ]);
    // After the swap the link is used up.
    expect((await browser.post(link, { csrf, email: who.email, token: quick })).status).toBe(410);
  });

  it('no token reached the pages, a log line at debug, a Slack call or the database', async () => {
    for (const token of [TOKENS.jira, TOKENS.jiraPersonal, TOKENS.jiraRevoked, TOKENS.sonar])
      expect(t.providers.requestsWith(token).length).toBeGreaterThan(0);
    const html = pages.join('\n');
    const logs = t.logs.text();
    const slack = JSON.stringify(t.slack.calls) + JSON.stringify(t.slack.responses) + JSON.stringify(t.slack.messages);
    const db = await t.bytesAtRest();
    expect(db.includes(Buffer.from('reauth.web'))).toBe(true);
    for (const token of Object.values(TOKENS)) {
      expect(html.includes(token), `a page holds ${token.slice(0, 14)}`).toBe(false);
      expect(logs.includes(token), `log holds ${token.slice(0, 14)}`).toBe(false);
      expect(slack.includes(token), `Slack saw ${token.slice(0, 14)}`).toBe(false);
      expect(db.includes(Buffer.from(token)), `database holds ${token.slice(0, 14)}`).toBe(false);
    }
    expect(textOf(t.slack.messages.map((m) => m.text))).toContain('re-authenticated');
  });

  it('no one-time link reached a log line at debug (whoever reads the logs could open it first)', () => {
    expect(links.length).toBeGreaterThan(5);
    const logs = t.logs.text();
    expect(logs).toContain('/reauth/form/[redacted]');
    for (const link of links) expect(logs.includes(link.split('/').at(-1) ?? link), link).toBe(false);
  });
});
