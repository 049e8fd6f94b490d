import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/services/webhook-signature.js';
import { createBrowser } from '../helpers/browser.js';
import { openModal, textOf, viewOf } from '../helpers/flows.js';
import { signSlackBody } from '../helpers/slack-driver.js';
import { ADMIN, ALERTS, OWNER, SIGNING_SECRET, STRANGER, startTestApp, type TestApp } from '../helpers/start-app.js';
import { adversarialCatalogue, expectNoLeaks, report, stateDigest } from './support.js';

const WEBHOOK_SECRET = 'adversarial-webhook-secret';
const GOOD = 'glpat-ForgeryValidToken0123456';
const NEXT = 'glpat-ForgeryNextToken01234567';
const ID = { id: '9', name: 'Jane Doe', username: 'jane' };
const now = () => Math.floor(Date.now() / 1000);

/**
 * Every entry point, every way a request can be forged or tampered with: refused, audited where it
 * reaches the app, and nothing changed (credentials, integrations, health, alerts, OAuth states).
 */
describe('forgery and tampering matrix', () => {
  let t: TestApp;
  const answers: string[] = [];
  let scenarios = 0;

  beforeAll(async () => {
    t = await startTestApp({
      catalogue: adversarialCatalogue,
      env: { HEALTH_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    for (const token of [GOOD, NEXT])
      t.providers.setToken(token, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    expect((await t.driver.submit(call.ref ?? '', { token: GOOD }, { userId: OWNER })).json).toMatchObject({
      response_action: 'update',
    });
    // An open alert, so its buttons have something to act on.
    expect(
      (await webhook(JSON.stringify({ integration: 'jira-connect', status: 'failing', reason: 'uninstalled' }))).status,
    ).toBe(202);
  });
  afterAll(async () => {
    report('forgery', { scenarios });
    await t?.close();
  });

  async function slack(
    body: string,
    headers: Record<string, string>,
    contentType = 'application/x-www-form-urlencoded',
  ) {
    const response = await fetch(`${t.url}/slack/events`, {
      method: 'POST',
      headers: { 'Content-Type': contentType, ...headers },
      body,
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, text };
  }
  async function webhook(body: string, headers?: Record<string, string>) {
    const ts = now();
    const response = await fetch(`${t.url}/webhooks/health`, {
      method: 'POST',
      headers: headers ?? {
        'X-Reauth-Timestamp': String(ts),
        'X-Reauth-Signature': signWebhook(WEBHOOK_SECRET, ts, body),
      },
      body,
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, text };
  }

  const command = (user: string, text: string) =>
    new URLSearchParams({
      command: '/reauth',
      text,
      user_id: user,
      channel_id: 'C0GENERAL',
      trigger_id: t.slack.mintTrigger(),
      response_url: t.slack.mintResponseUrl(),
      team_id: 'T0SANDBOX',
      api_app_id: 'A0REAUTH',
    }).toString();
  const button = (user: string, actionId: string, value: string) =>
    new URLSearchParams({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: user },
        team: { id: 'T0SANDBOX' },
        api_app_id: 'A0REAUTH',
        trigger_id: t.slack.mintTrigger(),
        container: { type: 'message', channel_id: ALERTS, message_ts: '1.1' },
        channel: { id: ALERTS },
        message: { ts: '1.1' },
        response_url: t.slack.mintResponseUrl(),
        actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: String(now()) }],
      }),
    }).toString();
  const homeEvent = (user: string) =>
    JSON.stringify({
      type: 'event_callback',
      team_id: 'T0SANDBOX',
      api_app_id: 'A0REAUTH',
      event: { type: 'app_home_opened', user, tab: 'home', channel: 'D1' },
      event_id: `Ev${Math.random()}`,
      event_time: now(),
    });

  /** The forged forms of one signed Slack request. */
  const forgeries = (body: string): [string, Record<string, string>, string][] => {
    const altered = body.replace(/U0STRANGER|U0OWNER/g, ADMIN);
    return [
      ['no signature', {}, body],
      ['signed with another secret', signSlackBody('not-the-signing-secret', body), body],
      // 305, not 301: now() floors to whole seconds, so a timestamp 301 s ahead could be 299.x s ahead by the
      // time a loaded machine checks it (seen in CI).
      ['more than 5 minutes old', signSlackBody(SIGNING_SECRET, body, now() - 305), body],
      ['more than 5 minutes ahead', signSlackBody(SIGNING_SECRET, body, now() + 305), body],
      ['body altered after signing', signSlackBody(SIGNING_SECRET, body), altered === body ? `${body}&x=1` : altered],
      [
        'signature of another timestamp',
        { ...signSlackBody(SIGNING_SECRET, body, now() - 10), 'X-Slack-Request-Timestamp': String(now()) },
        body,
      ],
    ];
  };

  const entryPoints: [string, () => string, string?][] = [
    ['/reauth <id>', () => command(STRANGER, 'gitlab')],
    ['/reauth', () => command(OWNER, '')],
    ['Re-authenticate button', () => button(STRANGER, 'reauth_open', 'gitlab')],
    ['Check now button', () => button(STRANGER, 'check_now', 'jira-connect')],
    ['Snooze button', () => button(STRANGER, 'snooze_24h', 'jira-connect')],
    ['Try again button', () => button(STRANGER, 'reauth_try_again', 'gitlab')],
    ['overview page button', () => button(OWNER, 'overview_page_next', '1')],
    ['App Home', () => homeEvent(OWNER), 'application/json'],
  ];

  it.each(entryPoints)(
    '%s: every forged signature is refused with 401, and nothing reaches Slack or the store',
    async (_name, build, contentType) => {
      const before = stateDigest(t.deps.db);
      const calls = t.slack.calls.length;
      for (const [variant, headers, body] of forgeries(build())) {
        const answer = await slack(body, headers, contentType);
        expect(answer.status, variant).toBe(401);
        scenarios += 1;
      }
      expect(t.slack.calls.length).toBe(calls);
      expect(stateDigest(t.deps.db)).toBe(before);
    },
  );

  it("a modal submission: forged signatures, another user's view, ids swapped in the metadata, a replay", async () => {
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    const view = viewOf(call);
    expect(view.title).toBe('Re-authenticate');
    const stored = t.slack.view(call.ref ?? '');
    if (!stored) throw new Error('no view');
    const submission = (user: string, metadata = stored.view.private_metadata as string) =>
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'view_submission',
          user: { id: user },
          team: { id: 'T0SANDBOX' },
          api_app_id: 'A0REAUTH',
          view: {
            ...stored.view,
            id: stored.id,
            hash: stored.hash,
            private_metadata: metadata,
            state: { values: { token: { token_value: { type: 'plain_text_input', value: NEXT } } } },
          },
        }),
      }).toString();
    const before = stateDigest(t.deps.db);
    for (const [variant, headers, body] of forgeries(submission(OWNER))) {
      expect((await slack(body, headers)).status, variant).toBe(401);
      scenarios += 1;
    }
    // Correctly signed, but someone else's form: refused inside the app, audited, nothing changed.
    const foreign = await slack(submission(STRANGER), signSlackBody(SIGNING_SECRET, submission(STRANGER)));
    expect(foreign.status).toBe(200);
    expect(foreign.text).toContain('altered or belongs to someone else');
    expect((await t.deps.store.audit.list())[0]).toMatchObject({
      actor: STRANGER,
      action: 'reauth.modal',
      outcome: 'tampered',
      detail: { reason: 'other_user' },
    });
    // The metadata names another integration: its signature no longer matches.
    const swapped = submission(OWNER, (stored.view.private_metadata as string).replace('gitlab', 'bb-oauth'));
    expect((await slack(swapped, signSlackBody(SIGNING_SECRET, swapped))).text).toContain(
      'altered or belongs to someone else',
    );
    expect((await t.deps.store.audit.list())[0]).toMatchObject({
      actor: OWNER,
      outcome: 'tampered',
      detail: { reason: 'bad_signature' },
    });
    expect(stateDigest(t.deps.db)).toBe(before);
    scenarios += 2;

    // The genuine submission works once; the same signed request sent again is a replay.
    const genuine = submission(OWNER);
    const headers = signSlackBody(SIGNING_SECRET, genuine, now() - 2);
    expect((await slack(genuine, headers)).text).toContain('update');
    const after = stateDigest(t.deps.db);
    expect((await slack(genuine, headers)).status).toBe(401);
    expect(stateDigest(t.deps.db)).toBe(after);
    scenarios += 1;
  });

  it('ids swapped in button values: a stranger naming an integration they may not manage is refused and audited', async () => {
    const before = stateDigest(t.deps.db);
    for (const [actionId, value, action] of [
      ['check_now', 'gitlab', 'health.check_now'],
      ['snooze_24h', 'jira-connect', 'alert.snooze'],
    ] as const) {
      const body = button(STRANGER, actionId, value);
      expect((await slack(body, signSlackBody(SIGNING_SECRET, body))).status).toBe(200);
      await expect
        .poll(
          async () =>
            (await t.deps.store.audit.list()).find((r) => r.actor === STRANGER && r.action === action)?.outcome,
        )
        .toBe('permission_denied');
      scenarios += 1;
    }
    const open = button(STRANGER, 'reauth_open', 'gitlab');
    const views = t.slack.callsOf('views.open').length;
    await slack(open, signSlackBody(SIGNING_SECRET, open));
    await expect.poll(() => t.slack.callsOf('views.open').length).toBe(views + 1);
    expect(viewOf(t.slack.callsOf('views.open').at(-1) ?? t.slack.callsOf('views.open')[0]!).title).toBe('Not allowed');
    expect(stateDigest(t.deps.db)).toBe(before);
    scenarios += 1;
  });

  it("OAuth: a forged, reused or someone else's state, and an unknown link, change nothing", async () => {
    const call = await openModal(t, 'bb-oauth', { userId: OWNER });
    const link =
      (viewOf(call).blocks.find((b) => b.type === 'actions')?.elements?.[0] as { url?: string } | undefined)?.url ?? '';
    const before = stateDigest(t.deps.db);
    const page = async (url: string, browser = createBrowser()) => {
      const answer = await browser.get(url);
      answers.push(answer.text);
      return answer;
    };
    expect((await page(`${t.url}/oauth/start?state=forged-state-value`)).status).toBe(400);
    expect((await page(`${t.url}/oauth/callback?state=forged-state-value&code=abc`)).status).toBe(400);
    expect((await page(`${t.url}/oauth/callback?code=abc`)).status).toBe(400);
    const owner = createBrowser();
    const start = await page(link, owner);
    const callback = await owner.decide(start.location ?? '', 'approve');
    // Another browser (no cookie for this sign-in): refused, and the state is used up.
    expect((await page(callback)).status).toBe(403);
    expect((await page(callback, owner)).status).toBe(400);
    expect((await t.deps.store.audit.list('bb-oauth')).map((r) => r.outcome)).toEqual(
      expect.arrayContaining(['foreign_state', 'reused_state']),
    );
    const digest = stateDigest(t.deps.db);
    expect(digest).not.toBe(before); // the used-up state is recorded …
    expect(
      t.deps.db.$client
        .prepare('select count(*) n from credentials where credential_key = ?')
        .get('integration:bb-oauth'),
    ).toEqual({ n: 0 }); // … and nothing else
    scenarios += 5;
  });

  it('the health webhook: forged, stale, future, altered and replayed signals are refused', async () => {
    const body = JSON.stringify({ integration: 'jira-connect', status: 'healthy' });
    const before = stateDigest(t.deps.db);
    const ts = now();
    const good = { 'X-Reauth-Timestamp': String(ts), 'X-Reauth-Signature': signWebhook(WEBHOOK_SECRET, ts, body) };
    const variants: [string, Record<string, string>, string, number][] = [
      ['no signature', {}, body, 401],
      [
        'another secret',
        { 'X-Reauth-Timestamp': String(ts), 'X-Reauth-Signature': signWebhook('wrong', ts, body) },
        body,
        401,
      ],
      [
        'stale',
        { 'X-Reauth-Timestamp': String(ts - 301), 'X-Reauth-Signature': signWebhook(WEBHOOK_SECRET, ts - 301, body) },
        body,
        401,
      ],
      [
        'future',
        { 'X-Reauth-Timestamp': String(ts + 305), 'X-Reauth-Signature': signWebhook(WEBHOOK_SECRET, ts + 305, body) },
        body,
        401,
      ], // 305: now() floors to whole seconds
      ['altered', good, body.replace('healthy', 'failing'), 401],
    ];
    for (const [variant, headers, sent, status] of variants) {
      expect((await webhook(sent, headers)).status, variant).toBe(status);
      scenarios += 1;
    }
    expect(stateDigest(t.deps.db)).toBe(before);
    expect((await webhook(body, good)).status).toBe(202);
    const after = stateDigest(t.deps.db);
    expect((await webhook(body, good)).status).toBe(409);
    expect(stateDigest(t.deps.db)).toBe(after);
    scenarios += 1;
  });

  it('correctly signed bodies Slack never sends are refused, not crashed on (Bolt fails on a signed payload=null)', async () => {
    const before = stateDigest(t.deps.db);
    for (const [body, contentType] of [
      ['payload=null', 'application/x-www-form-urlencoded'],
      ['payload=%5B1%2C2%5D', 'application/x-www-form-urlencoded'],
      ['payload=not-json', 'application/x-www-form-urlencoded'],
      ['null', 'application/json'],
      ['[]', 'application/json'],
      ['{', 'application/json'],
    ] as const) {
      expect((await slack(body, signSlackBody(SIGNING_SECRET, body, now() - 3), contentType)).status, body).toBe(400);
      scenarios += 1;
    }
    // Slack's unsigned SSL check is answered, and nothing smuggled beside it reaches a listener.
    const views = t.slack.callsOf('views.open').length;
    const check = `ssl_check=1&token=x&${new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: OWNER }, trigger_id: t.slack.mintTrigger(), actions: [{ action_id: 'reauth_open', value: 'gitlab' }] }) }).toString()}`;
    expect((await slack(check, {})).status).toBe(200);
    expect(t.slack.callsOf('views.open').length).toBe(views);
    // Signed and well formed, but nothing Reauth listens for: acknowledged at once, ignored.
    const other = new URLSearchParams({
      payload: JSON.stringify({ type: 'block_actions', user: { id: OWNER }, actions: [{ action_id: 'not_ours' }] }),
    }).toString();
    expect((await slack(other, signSlackBody(SIGNING_SECRET, other))).status).toBe(200);
    expect(stateDigest(t.deps.db)).toBe(before);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('no planted secret leaked anywhere along the way', () => {
    expectNoLeaks(t, [GOOD, NEXT, WEBHOOK_SECRET, SIGNING_SECRET], [...answers, textOf(t.slack.responses)]);
  });
});
