import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/flows.js';
import { APP_TOKEN, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

describe('Socket Mode (SLACK_APP_TOKEN set)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      socketMode: true,
      catalogue: (p) =>
        `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }\n  - { id: jira-dc, name: Jira DC, provider: jira, auth: pat, url: "${p.baseUrl('jira')}", owners: [U0OWNER] }\n`,
    });
    await t.socket?.connected();
  });
  afterAll(async () => t?.close());

  it('connects with the app-level token and still serves /healthz and the OAuth routes on PORT', async () => {
    expect(t.slack.callsOf('apps.connections.open')).toMatchObject([{ ok: true }]);
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${t.url}/oauth/callback?state=nope`)).status).toBe(400);
  });

  it('acks a slash command envelope and opens the modal', async () => {
    const help = await t.socket?.send('slash_commands', {
      command: '/reauth',
      text: 'help',
      user_id: OWNER,
      channel_id: 'C0ALERTS',
      trigger_id: t.slack.mintTrigger(),
      response_url: t.slack.mintResponseUrl(),
    });
    expect(textOf(help)).toContain('How to use /reauth');
    const trigger = t.slack.mintTrigger();
    await t.socket?.send('slash_commands', {
      command: '/reauth',
      text: 'gitlab',
      user_id: OWNER,
      channel_id: 'C0ALERTS',
      trigger_id: trigger,
      response_url: t.slack.mintResponseUrl(),
    });
    await expect.poll(() => t.slack.callsOf('views.open').find((c) => c.args.trigger_id === trigger)?.ok).toBe(true);
  });

  it('re-authenticates through a view_submission envelope', async () => {
    t.providers.setToken('glpat-SocketModeToken0123456', {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane' },
    });
    const opened = t.slack.callsOf('views.open').at(-1);
    const stored = t.slack.view(opened?.ref ?? '');
    const ack = await t.socket?.send('interactive', {
      type: 'view_submission',
      user: { id: OWNER },
      team: { id: 'T0SANDBOX' },
      view: {
        ...stored?.view,
        id: stored?.id,
        hash: stored?.hash,
        state: {
          values: { token: { token_value: { type: 'plain_text_input', value: 'glpat-SocketModeToken0123456' } } },
        },
      },
    });
    expect(ack).toMatchObject({ response_action: 'update' });
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.createdBy).toBe(OWNER);
    expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({ outcome: 'success' });
    expect(t.logs.text()).not.toContain('glpat-SocketModeToken0123456');
    expect(t.logs.text()).not.toContain(APP_TOKEN);
  });

  it('never logs a pasted secret, even one with no recognisable shape, at debug level', async () => {
    // The Socket Mode client logs every message it receives at debug level (SocketModeClient.ts in slackapi/node-slack-sdk).
    const secret = 'ShapelessDataCenterPat7f3a9c21e8b4';
    t.providers.setToken(secret, { provider: 'jira', identity: { id: 'k1', name: 'Jane' } });
    const trigger = t.slack.mintTrigger();
    await t.socket?.send('slash_commands', {
      command: '/reauth',
      text: 'jira-dc',
      user_id: OWNER,
      channel_id: 'C0ALERTS',
      trigger_id: trigger,
      response_url: t.slack.mintResponseUrl(),
    });
    await expect
      .poll(() => t.slack.callsOf('views.open').find((c) => c.args.trigger_id === trigger)?.ref)
      .toBeDefined();
    const stored = t.slack.view(t.slack.callsOf('views.open').find((c) => c.args.trigger_id === trigger)?.ref ?? '');
    const ack = await t.socket?.send('interactive', {
      type: 'view_submission',
      user: { id: OWNER },
      team: { id: 'T0SANDBOX' },
      view: {
        ...stored?.view,
        id: stored?.id,
        hash: stored?.hash,
        state: { values: { token: { token_value: { type: 'plain_text_input', value: secret } } } },
      },
    });
    expect(ack).toMatchObject({ response_action: 'update' });
    expect(t.providers.requestsWith(secret)).toHaveLength(1);
    expect(t.logs.text().length).toBeGreaterThan(0);
    expect(t.logs.text()).not.toContain(secret);
  });
});
