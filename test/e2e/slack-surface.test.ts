import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { openModal, textOf, viewOf } from '../helpers/flows.js';
import { signSlackBody } from '../helpers/slack-driver.js';
import {
  ADMIN,
  GROUP_MEMBER,
  OWNER,
  SIGNING_SECRET,
  STRANGER,
  startTestApp,
  type TestApp,
} from '../helpers/start-app.js';

const ID = { id: '7', name: 'Jane Doe', email: 'jane@acme.com', username: 'jane' };

describe('the Slack surface', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue, fastPathMs: 300 });
    t.providers.setToken('glpat-SurfaceValid0123456789', { provider: 'gitlab', scopes: ['read_api'], identity: ID });
    t.providers.setToken('glpat-SurfaceSlow0123456789x', {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: ID,
      status: 'slow',
      delayMs: 800,
    });
    t.providers.setToken('squ_SurfaceSonar0123456789abcdef0123', { provider: 'sonarqube', identity: ID });
  });
  afterAll(async () => t?.close());

  describe('/reauth', () => {
    it('help answers in the ack, privately', async () => {
      const response = await t.driver.command('help', { userId: STRANGER });
      expect(response.json).toMatchObject({ response_type: 'ephemeral' });
      expect(textOf(response.json)).toContain('/reauth status');
    });

    it('without an argument lists the integrations the caller may manage, with health and buttons', async () => {
      await t.driver.command('', { userId: OWNER });
      await expect.poll(() => t.slack.responses.length).toBeGreaterThan(0);
      const overview = t.slack.responses.at(-1)?.body as {
        response_type: string;
        blocks: { accessory?: { action_id: string; value: string } }[];
      };
      expect(overview.response_type).toBe('ephemeral');
      const buttons = overview.blocks.map((b) => b.accessory).filter(Boolean);
      expect(buttons.map((b) => b?.value)).toContain('gitlab');
      expect(buttons.every((b) => b?.action_id === 'reauth_open')).toBe(true);
      expect(textOf(overview)).toContain(':white_circle: unknown');
    });

    it('tells a stranger they manage nothing, and lists everything for an admin', async () => {
      const before = t.slack.responses.length;
      await t.driver.command('', { userId: STRANGER });
      await expect.poll(() => t.slack.responses.length).toBe(before + 1);
      expect(textOf(t.slack.responses.at(-1)?.body)).toContain('You are not an owner of any integration');
      await t.driver.command('', { userId: ADMIN });
      await expect.poll(() => t.slack.responses.length).toBe(before + 2);
      expect(textOf(t.slack.responses.at(-1)?.body)).toContain('(14');
    });

    it("status shows every integration's health", async () => {
      const before = t.slack.responses.length;
      await t.driver.command('status', { userId: STRANGER });
      await expect.poll(() => t.slack.responses.length).toBe(before + 1);
      expect(textOf(t.slack.responses.at(-1)?.body)).toMatch(/Integration health:.*14 unknown/);
    });

    it('an unknown id gets the closest ids', async () => {
      const before = t.slack.responses.length;
      await t.driver.command('gitlba', { userId: OWNER });
      await expect.poll(() => t.slack.responses.length).toBe(before + 1);
      expect(textOf(t.slack.responses.at(-1)?.body)).toContain('Did you mean `gitlab`?');
      expect(
        t.slack.callsOf('views.open').filter((c) => c.at > Date.now() - 1000 && textOf(c.args).includes('gitlba')),
      ).toHaveLength(0);
    });

    it.each(['jira-connect', 'github-app'])(
      'refuses %s: re-authentication is not available for app types',
      async (id) => {
        const call = await openModal(t, id, { userId: OWNER });
        const view = viewOf(call);
        expect(view.title).toBe('Not available');
        expect(textOf(view.blocks)).toContain('Re-authentication is not available');
        expect((await t.deps.store.audit.list(id))[0]).toMatchObject({
          action: 'reauth.open',
          outcome: 'unsupported_app_type',
        });
      },
    );

    it("acks well inside Slack's 3 seconds", async () => {
      const before = t.slack.callsOf('views.open').length;
      const response = await t.driver.command('gitlab', { userId: OWNER });
      expect(response.status).toBe(200);
      expect(response.ackMs).toBeLessThan(3000);
      await expect.poll(() => t.slack.callsOf('views.open').length).toBe(before + 1);
    });
  });

  describe('permissions', () => {
    it('a member of an owning user group gets a light view first, then the form', async () => {
      const call = await openModal(t, 'sonar', { userId: GROUP_MEMBER });
      expect(viewOf(call).blocks.some((b) => b.type === 'input')).toBe(false);
      await expect
        .poll(() =>
          (t.slack.view(call.ref ?? '')?.view.blocks as { type: string }[] | undefined)?.some(
            (b) => b.type === 'input',
          ),
        )
        .toBe(true);
      expect(t.slack.callsOf('usergroups.users.list').length).toBeGreaterThan(0);
      const response = await t.driver.submit(
        call.ref ?? '',
        { username: 'jane', token: 'squ_SurfaceSonar0123456789abcdef0123' },
        { userId: GROUP_MEMBER },
      );
      expect(response.json).toMatchObject({ response_action: 'update' });
    });

    it('a submission is re-checked: a modal opened by one user cannot be submitted by another', async () => {
      const call = await openModal(t, 'gitlab', { userId: OWNER });
      const response = await t.driver.submit(
        call.ref ?? '',
        { token: 'glpat-SurfaceValid0123456789' },
        { userId: STRANGER },
      );
      expect(response.json).toMatchObject({ response_action: 'errors' });
      expect(
        (await t.deps.store.audit.list()).find((a) => a.actor === STRANGER && a.outcome === 'tampered'),
      ).toBeDefined();
      expect(t.providers.requestsWith('glpat-SurfaceValid0123456789')).toHaveLength(0);
    });
  });

  describe('tampering', () => {
    it('altered private_metadata is refused and audited; nothing changes', async () => {
      const call = await openModal(t, 'gitlab', { userId: OWNER });
      const response = await t.driver.submit(
        call.ref ?? '',
        { token: 'glpat-SurfaceValid0123456789' },
        { userId: OWNER },
        (view) => {
          view.private_metadata = String(view.private_metadata).replace('gitlab', 'jira-dc');
        },
      );
      expect(response.json).toMatchObject({ response_action: 'errors' });
      expect((response.json as { errors: { token: string } }).errors.token).toContain('altered');
      expect((await t.deps.store.audit.list())[0]).toMatchObject({
        actor: OWNER,
        action: 'reauth.modal',
        outcome: 'tampered',
      });
      expect(await t.deps.store.credentials.current('integration:jira-dc')).toBeUndefined();
    });

    it('fields of another auth type are refused and audited', async () => {
      const call = await openModal(t, 'gitlab', { userId: OWNER });
      const response = await t.driver.submit(
        call.ref ?? '',
        { token: 'glpat-SurfaceValid0123456789', username: 'admin' },
        { userId: OWNER },
      );
      expect(response.json).toMatchObject({ response_action: 'errors' });
      expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({
        outcome: 'tampered',
        detail: { reason: 'unexpected_fields', fields: ['username'] },
      });
    });

    it('an unsigned, mis-signed or replayed request is refused', async () => {
      const body = new URLSearchParams({
        command: '/reauth',
        text: 'help',
        user_id: OWNER,
        trigger_id: 'x',
        response_url: 'http://127.0.0.1:9/',
      }).toString();
      const unsigned = await fetch(`${t.url}/slack/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      expect(unsigned.status).toBe(401);
      const wrong = await fetch(`${t.url}/slack/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signSlackBody('not-the-secret', body) },
        body,
      });
      expect(wrong.status).toBe(401);
      const old = await fetch(`${t.url}/slack/events`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...signSlackBody(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 600),
        },
        body,
      });
      expect(old.status).toBe(401);
      const ahead = await fetch(`${t.url}/slack/events`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...signSlackBody(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 600),
        },
        body,
      });
      expect(ahead.status).toBe(401);
      expect(t.logs.text()).toContain('more than 5 minutes from now');
      // Within the window either way, the same request is served.
      const fresh = await fetch(`${t.url}/slack/events`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...signSlackBody(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) + 60),
        },
        body,
      });
      expect(fresh.status).toBe(200);
    });
  });

  describe('slow validation', () => {
    it('shows "Validating connection…" at once, then updates the modal with the result', async () => {
      const call = await openModal(t, 'gitlab', { userId: OWNER });
      const response = await t.driver.submit(
        call.ref ?? '',
        { token: 'glpat-SurfaceSlow0123456789x' },
        { userId: OWNER },
      );
      expect(response.json).toMatchObject({ response_action: 'update' });
      expect(textOf((response.json as { view: unknown }).view)).toContain('Validating connection');
      await expect
        .poll(() => textOf(t.slack.view(call.ref ?? '')?.view), { timeout: 5000 })
        .toContain('is re-authenticated');
      expect(t.slack.callsOf('views.update').some((c) => c.args.view_id === call.ref && c.ok)).toBe(true);
    });

    it('a slow refusal offers Try again, which brings the empty form back', async () => {
      t.providers.setToken('glpat-SurfaceSlowRevoked0123', { provider: 'gitlab', status: 'revoked', delayMs: 800 });
      const call = await openModal(t, 'gitlab', { userId: OWNER });
      const response = await t.driver.submit(
        call.ref ?? '',
        { token: 'glpat-SurfaceSlowRevoked0123' },
        { userId: OWNER },
      );
      expect(textOf(response.json)).toContain('Validating connection');
      await expect.poll(() => textOf(t.slack.view(call.ref ?? '')?.view), { timeout: 5000 }).toContain('Not saved');
      expect(JSON.stringify(t.slack.view(call.ref ?? '')?.view)).toContain('reauth_try_again');
      await t.driver.click({
        actionId: 'reauth_try_again',
        value: 'gitlab',
        actor: { userId: OWNER },
        viewId: call.ref ?? '',
      });
      await expect
        .poll(() =>
          (t.slack.view(call.ref ?? '')?.view.blocks as { type: string }[] | undefined)?.some(
            (b) => b.type === 'input',
          ),
        )
        .toBe(true);
    });

    it('if the person closed the modal, the result goes to them by direct message', async () => {
      const call = await openModal(t, 'gitlab', { userId: OWNER });
      const response = await t.driver.submit(
        call.ref ?? '',
        { token: 'glpat-SurfaceSlow0123456789x' },
        { userId: OWNER },
      );
      expect(textOf(response.json)).toContain('Validating connection');
      t.slack.closeView(call.ref ?? '');
      await expect
        .poll(
          () => t.slack.callsOf('views.update').some((c) => c.args.view_id === call.ref && c.error === 'not_found'),
          { timeout: 5000 },
        )
        .toBe(true);
      await expect
        .poll(() =>
          t.slack.messages.some(
            (m) => m.channel === `D${OWNER.slice(1)}` && m.text.includes('GitLab is re-authenticated'),
          ),
        )
        .toBe(true);
    });
  });

  describe('Slack errors', () => {
    it('an expired trigger_id is explained to the person, who can simply run the command again', async () => {
      t.slack.inject('views.open', { error: 'expired_trigger_id' });
      const before = t.slack.responses.length;
      await t.driver.command('gitlab', { userId: OWNER });
      await expect.poll(() => t.slack.responses.length).toBe(before + 1);
      expect(textOf(t.slack.responses.at(-1)?.body)).toContain('Please run `/reauth gitlab` again');
    });

    it('a rate-limited views.open is reported, not retried for minutes', async () => {
      t.slack.inject('views.open', { error: 'ratelimited', status: 429, retryAfter: 30 });
      const before = t.slack.responses.length;
      const started = Date.now();
      await t.driver.command('gitlab', { userId: OWNER });
      await expect.poll(() => t.slack.responses.length).toBe(before + 1);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(textOf(t.slack.responses.at(-1)?.body)).toContain(
        'Slack is rate-limiting Reauth and did not open the form (ratelimited). Please run `/reauth gitlab` again in a minute.',
      );
    });

    it('a Slack server error on views.open is reported to the person', async () => {
      t.slack.inject('views.open', { error: 'internal_error', status: 500, times: 2 });
      const before = t.slack.responses.length;
      await t.driver.command('gitlab', { userId: OWNER });
      await expect.poll(() => t.slack.responses.length, { timeout: 5000 }).toBe(before + 1);
      expect(textOf(t.slack.responses.at(-1)?.body)).toMatch(
        /Reauth could not reach Slack to open the form \(.+\)\. Please run `\/reauth gitlab` again in a moment/,
      );
      t.slack.clearInjections();
    });

    it('clicking a link-out button is acknowledged', async () => {
      const response = await t.driver.click({
        actionId: 'oauth_link',
        actor: { userId: OWNER },
        url: 'https://example.com',
        message: { channel: 'C0ALERTS', ts: '1.1' },
      });
      expect(response.status).toBe(200);
    });
  });

  it('an unexpected failure tells the person, with a reference that is in the log', async () => {
    // A damaged row (owners not a list) makes the listener throw after its ack: the global error handler takes over.
    const { db, tables } = t.database();
    const setOwners = (owners: unknown) =>
      db
        .update(tables.integrations)
        .set({ owners: owners as string[] })
        .where(eq(tables.integrations.id, 'jira-dc'));
    await setOwners({ broken: true });
    try {
      const before = t.slack.messages.length;
      const response = await t.driver.command('jira-dc', { userId: OWNER });
      expect(response.status).toBe(200);
      await expect
        .poll(() =>
          t.slack.messages
            .slice(before)
            .find((m) => m.channel === `D${OWNER.slice(1)}` && m.text.includes('Something went wrong')),
        )
        .toBeDefined();
      const dm = t.slack.messages.slice(before).find((m) => m.text.includes('Something went wrong'));
      const reference = /reference `([0-9a-f]{8})`/.exec(textOf(dm?.blocks))?.[1];
      expect(reference).toBeDefined();
      expect(t.logs.lines().some((l) => l.reference === reference && l.level === 50)).toBe(true);
    } finally {
      await setOwners([OWNER]);
    }
  });

  it('the Re-authenticate button opens the same modal as the command', async () => {
    const before = t.slack.callsOf('views.open').length;
    await t.driver.click({
      actionId: 'reauth_open',
      value: 'gitlab',
      actor: { userId: OWNER },
      message: { channel: 'C0ALERTS', ts: '1.1' },
    });
    await expect.poll(() => t.slack.callsOf('views.open').length).toBe(before + 1);
    const view = viewOf(t.slack.callsOf('views.open')[before] ?? { at: 0, method: '', args: {}, ok: false });
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(['token']);
    expect(await t.deps.store.integrations.findActive('gitlab')).toBeDefined();
  });
});
