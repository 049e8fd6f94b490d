import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../src/db/sqlite/store.js';
import type { HttpClient } from '../../src/providers/http.js';
import { oauthEndpoints, oauthSetupHint } from '../../src/providers/oauth.js';
import { createAlerts } from '../../src/services/alerts.js';
import { createHealthStateMachine } from '../../src/services/health.js';
import { createKeyedLock } from '../../src/keyed-lock.js';
import { createProbeRunner } from '../../src/services/monitor/probe-runner.js';
import { createCredentialCommit } from '../../src/services/credential-commit.js';
import { createAccessTokens } from '../../src/services/access-tokens.js';
import { createProber } from '../../src/services/probe.js';
import { testHttpClient } from '../helpers/providers.js';
import { oauthStates } from '../../src/db/sqlite/schema.js';
import { sealPayload, unsealPayload } from '../../src/services/secret-payload.js';
import { credentials, integrations } from '../../src/db/sqlite/schema.js';
import { eq } from 'drizzle-orm';
import type { RecordedCall } from '../../src/sandbox/slack/emulator.js';
import { createBrowser } from '../helpers/browser.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { openModal, viewOf } from '../helpers/flows.js';
import { ALERTS, OWNER, startTestApp, STRANGER, type TestApp } from '../helpers/start-app.js';

/** The link-out button's URL in the modal the app opened. */
function linkOf(call: RecordedCall): string {
  const view = viewOf(call);
  const actionsBlock = view.blocks.find((b) => b.type === 'actions');
  const url = (actionsBlock?.elements?.[0] as { url?: string } | undefined)?.url;
  if (!url) throw new Error('no link-out button');
  return url;
}

describe('OAuth link-out', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue });
    t.providers.oauth.identity.bitbucket = { id: '{bb-42}', name: 'Bitbucket Jane', username: 'bbjane' };
    t.providers.oauth.identity.entra = { id: 'aad-42', name: 'Azure Jane', email: 'jane@acme.com' };
    t.providers.oauth.organization = 'acme-oauth';
  });
  afterAll(async () => t?.close());

  it.each([
    ['bb-oauth', 'Bitbucket', 'Bitbucket Jane', '/bitbucket-oauth/site/oauth2/authorize'],
    ['ado-oauth', 'Microsoft', 'Azure Jane', '/entra/organizations/oauth2/v2.0/authorize'],
  ])(
    '%s: Re-authenticate → %s → approve → callback → stored, shown and posted',
    async (id, provider, who, authorizePath) => {
      const call = await openModal(t, id, { userId: OWNER });
      const view = viewOf(call);
      expect(view.blocks.some((b) => b.type === 'input')).toBe(false);
      const link = linkOf(call);
      expect(link.startsWith(`${t.url}/oauth/start?state=`)).toBe(true);
      expect(JSON.stringify(view.blocks)).toContain(`Continue to ${provider}`);

      const browser = createBrowser();
      const start = await browser.get(link);
      expect(start.status).toBe(302);
      const authorize = new URL(start.location ?? '');
      expect(authorize.pathname).toBe(authorizePath);
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${t.url}/oauth/callback`);
      if (id === 'ado-oauth') expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');

      const callback = await browser.decide(authorize.toString(), 'approve');
      const page = await browser.get(callback);
      expect(page.status).toBe(200);
      expect(page.text).toContain('is re-authenticated');
      expect(page.text).toContain(who);
      expect(page.text).not.toMatch(/access_token|refresh_token|stack/i);

      const integration = await t.deps.store.integrations.findActive(id);
      const stored = await t.deps.store.credentials.current(integration?.credentialKey ?? '');
      expect(stored?.authType).toBe('oauth');
      expect(stored?.createdBy).toBe(OWNER);
      const payload = unsealPayload(
        t.deps.keyring,
        { credentialKey: integration?.credentialKey ?? '', binding: stored?.binding ?? null },
        stored?.sealedSecret ?? '',
      );
      expect(payload.kind).toBe('oauth');
      if (payload.kind === 'oauth') expect(payload.refreshToken).toBeTruthy();
      expect((await t.deps.store.health.of(id))?.status).toBe('healthy');
      expect((await t.deps.store.audit.list(id))[0]).toMatchObject({
        action: 'reauth.oauth',
        outcome: 'success',
        actor: OWNER,
      });
      await expect
        .poll(() =>
          t.slack.messages.some(
            (m) =>
              m.channel === ALERTS &&
              m.text.includes(`<@${OWNER}> re-authenticated ${integration?.name}`) &&
              m.text.includes('by signing in'),
          ),
        )
        .toBe(true);
    },
  );

  async function freshLink(id = 'bb-oauth', userId = OWNER): Promise<string> {
    return linkOf(await openModal(t, id, { userId }));
  }

  /** Opens a fresh link-out in a new browser and answers the provider's page; returns where it sends the browser back. */
  async function throughProvider(decision: 'approve' | 'deny') {
    const browser = createBrowser();
    const start = await browser.get(await freshLink());
    return { browser, start, callback: await browser.decide(start.location ?? '', decision) };
  }

  it('a reused state gets a clear page, is audited and changes nothing', async () => {
    const { browser, callback } = await throughProvider('approve');
    expect((await browser.get(callback)).status).toBe(200);
    const before = (await t.deps.store.credentials.current('integration:bb-oauth'))?.id;
    const again = await browser.get(callback);
    expect(again.status).toBe(400);
    expect(again.text).toContain('already used');
    expect((await t.deps.store.credentials.current('integration:bb-oauth'))?.id).toBe(before);
    expect((await t.deps.store.audit.list('bb-oauth'))[0]).toMatchObject({
      action: 'reauth.oauth',
      outcome: 'reused_state',
    });
  });

  it('a forged state gets a clear page and writes no audit row (a state Reauth never issued is only counted)', async () => {
    const browser = createBrowser();
    const audited = (await t.deps.store.audit.list()).length;
    const page = await browser.get(`${t.url}/oauth/callback?state=forged123&code=abc`);
    expect(page.status).toBe(400);
    expect(page.text).toContain('not valid');
    expect(await t.deps.store.audit.list()).toHaveLength(audited);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/reauth_unknown_link_requests_total\{path="oauth_callback"\} [1-9]/);
  });

  it('an expired state gets a clear page', async () => {
    const { browser, callback } = await throughProvider('approve');
    // Age every pending state past its 10 minutes.
    t.deps.db
      .update(oauthStates)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .run();
    const page = await browser.get(callback);
    expect(page.status).toBe(400);
    expect(page.text).toContain('expired');
  });

  it("someone else's state (another browser) is refused and audited", async () => {
    const { browser: owner, callback } = await throughProvider('approve');
    const other = createBrowser();
    const page = await other.get(callback);
    expect(page.status).toBe(403);
    expect(page.text).toContain('someone else');
    expect((await t.deps.store.audit.list('bb-oauth'))[0]).toMatchObject({ outcome: 'foreign_state' });
    // The refusal used the state up: the owner cannot complete it either.
    expect((await owner.get(callback)).status).toBe(400);
  });

  it('a link-out opened a second time is refused', async () => {
    const link = await freshLink();
    expect((await createBrowser().get(link)).status).toBe(302);
    const second = await createBrowser().get(link);
    expect(second.status).toBe(400);
    expect(second.text).toContain('already opened');
  });

  it('a provider error parameter (access denied) gets a clear page, is audited, and the person is told in Slack', async () => {
    const { browser, callback } = await throughProvider('deny');
    const page = await browser.get(callback);
    expect(page.status).toBe(400);
    expect(page.text).toContain('access_denied');
    expect(page.text).toContain('Nothing was changed');
    expect((await t.deps.store.audit.list('bb-oauth'))[0]).toMatchObject({ outcome: 'provider_error_param' });
    await expect
      .poll(() =>
        t.slack.messages.some((m) => m.channel === `D${OWNER.slice(1)}` && m.text.includes('did not grant access')),
      )
      .toBe(true);
  });

  it('a failing code exchange changes nothing', async () => {
    const { browser, callback } = await throughProvider('approve');
    t.providers.oauth.failNextExchange = { error: 'invalid_grant', description: 'The code has expired.' };
    const before = (await t.deps.store.credentials.current('integration:bb-oauth'))?.id;
    const page = await browser.get(callback);
    expect(page.status).toBe(502);
    expect(page.text).toContain('invalid_grant');
    expect((await t.deps.store.credentials.current('integration:bb-oauth'))?.id).toBe(before);
  });

  it('two link-outs opened in one browser both complete (each sign-in has its own cookie)', async () => {
    const browser = createBrowser();
    const first = await browser.get(await freshLink());
    const second = await browser.get(await freshLink('ado-oauth'));
    expect(first.setCookie[0]).toMatch(
      /^reauth_oauth_[0-9a-f]{16}=[0-9a-f]{64}; Path=\/oauth; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
    const firstPage = await browser.get(await browser.decide(first.location ?? '', 'approve'));
    expect(firstPage.status).toBe(200);
    const secondPage = await browser.get(await browser.decide(second.location ?? '', 'approve'));
    expect(secondPage.status).toBe(200);
    expect(secondPage.text).toContain('is re-authenticated');
  });

  it('a malformed cookie is ignored, never a server error', async () => {
    const { browser, callback } = await throughProvider('approve');
    const page = await browser.get(callback, { cookie: 'reauth_oauth_0123456789abcdef=%E0%A4%A; other=%' });
    expect(page.status).toBe(403);
    expect(page.text).toContain('someone else');
  });

  it('the callback checks permission again: an owner removed since the link was issued cannot finish', async () => {
    const { browser, callback } = await throughProvider('approve');
    const before = (await t.deps.store.credentials.current('integration:bb-oauth'))?.id;
    t.deps.db.update(integrations).set({ owners: [] }).where(eq(integrations.id, 'bb-oauth')).run();
    try {
      const page = await browser.get(callback);
      expect(page.status).toBe(403);
      expect(page.text).toContain('no longer an owner');
      expect((await t.deps.store.credentials.current('integration:bb-oauth'))?.id).toBe(before);
      expect((await t.deps.store.audit.list('bb-oauth'))[0]).toMatchObject({
        action: 'reauth.oauth',
        outcome: 'permission_denied',
        actor: OWNER,
      });
    } finally {
      t.deps.db
        .update(integrations)
        .set({ owners: [OWNER] })
        .where(eq(integrations.id, 'bb-oauth'))
        .run();
    }
  });

  it('live sign-in states and codes never reach the logs, at debug level; other methods on /oauth/* get 405', async () => {
    const link = await freshLink();
    const state = new URL(link).searchParams.get('state') ?? '';
    const post = await fetch(link, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    const browser = createBrowser();
    const start = await browser.get(link);
    const callback = await browser.decide(start.location ?? '', 'approve');
    const code = new URL(callback).searchParams.get('code') ?? '';
    expect((await fetch(callback, { method: 'PUT' })).status).toBe(405);
    expect((await browser.get(callback)).status).toBe(200);
    expect(state.length).toBeGreaterThan(20);
    expect(code.length).toBeGreaterThan(5);
    const logs = t.logs.text();
    expect(logs).toContain('views.open');
    expect(logs).not.toContain(state);
    expect(logs).not.toContain(encodeURIComponent(state));
    expect(logs).not.toContain(code);
  });

  it("a provider's error text reaches Slack escaped: no @channel, no links it chose", async () => {
    const { browser, callback } = await throughProvider('approve');
    t.providers.oauth.failNextExchange = {
      error: 'invalid_grant',
      description: '<!channel> sign in again at <https://evil.example|Bitbucket>',
    };
    const page = await browser.get(callback);
    expect(page.status).toBe(502);
    expect(page.text).not.toContain('<!channel>');
    await expect
      .poll(
        () =>
          t.slack.messages.filter(
            (m) => m.channel === `D${OWNER.slice(1)}` && JSON.stringify(m.blocks).includes('evil.example'),
          ).length,
      )
      .toBe(1);
    const dm = t.slack.messages
      .filter((m) => m.channel === `D${OWNER.slice(1)}` && JSON.stringify(m.blocks).includes('evil.example'))
      .at(-1);
    const everything = JSON.stringify([dm?.text, dm?.blocks]);
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('<https://evil.example');
    expect(everything).toContain('&lt;!channel&gt;');
  });

  it('a non-owner gets no link at all', async () => {
    const call = await openModal(t, 'bb-oauth', { userId: STRANGER });
    expect(viewOf(call).title).toBe('Not allowed');
    expect(JSON.stringify(call.args)).not.toContain('/oauth/start');
  });
});

describe('OAuth access-token refresh', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue });
    t.providers.oauth.organization = 'acme-oauth';
  });
  afterAll(async () => t?.close());

  it.each(['bb-oauth', 'ado-oauth'])(
    '%s: an access token near its expiry is refreshed, sealed back, and the probe passes',
    async (id) => {
      const call = await openModal(t, id, { userId: OWNER });
      const browser = createBrowser();
      const start = await browser.get(linkOf(call));
      expect((await browser.get(await browser.decide(start.location ?? '', 'approve'))).status).toBe(200);

      const integration = await t.deps.store.integrations.findActive(id);
      const key = integration?.credentialKey ?? '';
      const stored = await t.deps.store.credentials.current(key);
      const owner = { credentialKey: key, binding: stored?.binding ?? null };
      const payload = unsealPayload(t.deps.keyring, owner, stored?.sealedSecret ?? '');
      if (payload.kind !== 'oauth') throw new Error('expected an OAuth credential');
      // The access token is about to expire (Bitbucket's last 2 hours, Entra's about 1).
      const aging = sealPayload(t.deps.keyring, owner, { ...payload, accessExpiresAt: Date.now() + 60_000 });
      t.deps.db
        .update(credentials)
        .set({ sealedSecret: aging.value })
        .where(eq(credentials.id, stored?.id ?? 0))
        .run();

      const checked = await t.deps.services.checkNow(id, OWNER);
      expect(checked.kind === 'checked' && checked.result.outcome.kind).toBe('valid');
      const refreshCall = t.providers.requests.filter(
        (r) => /access_token$|\/token$/.test(r.path) && r.body.includes('grant_type=refresh_token'),
      );
      expect(refreshCall.length).toBeGreaterThan(0);
      const after = unsealPayload(
        t.deps.keyring,
        owner,
        (await t.deps.store.credentials.current(key))?.sealedSecret ?? '',
      );
      expect(after.kind === 'oauth' && after.accessToken).not.toBe(payload.accessToken);
      expect(after.kind === 'oauth' && after.accessExpiresAt).toBeGreaterThan(Date.now() + 30 * 60_000);
      expect((await t.deps.store.health.of(id))?.status).toBe('healthy');
    },
  );
});

/**
 * A second process probes an OAuth credential while the first re-authenticates it: the credential lock
 * holds across the two processes, so the re-authentication's commit waits for the refresh; the retired
 * credential is never revived, and the refresh's outcome leaves no alert behind.
 */
describe('OAuth refresh racing a re-authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue });
  });
  afterAll(async () => t?.close());

  async function signIn(): Promise<void> {
    const call = await openModal(t, 'bb-oauth', { userId: OWNER });
    const browser = createBrowser();
    const start = await browser.get(linkOf(call));
    expect((await browser.get(await browser.decide(start.location ?? '', 'approve'))).status).toBe(200);
  }

  it.each([
    ['succeeds', 'valid'],
    ['fails', 'invalid_credentials'],
  ] as const)(
    'a refresh in another process that %s holds the lock: the re-authentication waits, commits after it, and no alert is left',
    async (how, kind) => {
      await signIn();
      const first = await t.deps.store.credentials.current('integration:bb-oauth');
      if (!first?.sealedSecret) throw new Error('no credential');
      const owner = { credentialKey: 'integration:bb-oauth', binding: first.binding };
      const payload = unsealPayload(t.deps.keyring, owner, first.sealedSecret);
      if (payload.kind !== 'oauth') throw new Error('expected OAuth');
      t.deps.db
        .update(credentials)
        .set({ sealedSecret: sealPayload(t.deps.keyring, owner, { ...payload, accessExpiresAt: Date.now() }).value })
        .where(eq(credentials.id, first.id))
        .run();

      // The other process: its own connection, its own HTTP client that holds the refresh until told.
      const other = openSqliteStore(t.config.databasePath);
      const real = testHttpClient();
      let reached!: () => void;
      const refreshing = new Promise<void>((resolve) => (reached = resolve));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const gated: HttpClient = {
        send: async (req) => {
          if (req.method === 'POST') {
            reached();
            await held;
          }
          return real.send(req);
        },
        close: () => real.close(),
      };
      try {
        const clock = { now: () => new Date() };
        const alerts = createAlerts({
          store: other,
          slack: t.deps.slack,
          authoriser: t.deps.services.authoriser,
          logger: t.logs.logger,
          clock,
          defaultChannel: ALERTS,
        });
        // The other process's own commit path, over its own connection.
        const otherCommit = createCredentialCommit({
          store: other,
          keyring: t.deps.keyring,
          clock,
          logger: t.logs.logger,
          credentialLock: other.withCredentialLock,
        });
        const runner = createProbeRunner({
          store: other,
          probe: createProber({
            store: other,
            keyring: t.deps.keyring,
            http: gated,
            clock,
            accessTokens: createAccessTokens({
              store: other,
              keyring: t.deps.keyring,
              http: gated,
              clock,
              logger: t.logs.logger,
              oauthEndpointsOf: (p) => oauthEndpoints(t.config, p),
              oauthSetupHintOf: oauthSetupHint,
              renew: otherCommit.renew,
            }),
          }),
          health: createHealthStateMachine({ store: other, alerts, clock }),
          clock,
          logger: t.logs.logger,
          probeLock: createKeyedLock(),
          intervalMs: 60_000,
          concurrency: 4,
          random: () => 0,
        });
        const probing = runner.probeGroupLocked(
          await other.integrations.listByCredentialKey('integration:bb-oauth'),
          'probe',
        );
        await refreshing;
        // The other process holds the credential's lock (it holds across processes on one SQLite file), its
        // refresh grant in flight: the sign-in exchanges its code, then its commit waits for that lock.
        const codeExchanges = () =>
          t.providers.requests.filter((r) => r.body.includes('grant_type=authorization_code')).length;
        const exchangedBefore = codeExchanges();
        const signingIn = signIn();
        await vi.waitFor(() => expect(codeExchanges()).toBe(exchangedBefore + 1));
        expect((await t.deps.store.credentials.current('integration:bb-oauth'))?.id).toBe(first.id);
        if (how === 'fails')
          t.providers.oauth.failNextExchange = {
            error: 'invalid_grant',
            description: 'The refresh token was revoked.',
          };
        release();
        const result = await probing;
        expect(result.outcome.kind).toBe(kind);
        // Then the sign-in commits: it replaces whatever the refresh left.
        await signingIn;
        const second = await t.deps.store.credentials.current('integration:bb-oauth');
        expect(second?.id).not.toBe(first.id);

        const rows = t.deps.db
          .select()
          .from(credentials)
          .where(eq(credentials.credentialKey, 'integration:bb-oauth'))
          .all();
        expect(rows.find((r) => r.id === first.id)?.sealedSecret).toBeNull();
        expect(await t.deps.store.credentials.current('integration:bb-oauth')).toMatchObject({
          id: second?.id,
          sealedSecret: second?.sealedSecret,
        });
        expect((await t.deps.store.health.of('bb-oauth'))?.status).toBe('healthy');
        expect(
          (await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey === 'integration:bb-oauth'),
        ).toHaveLength(0);
      } finally {
        release();
        await gated.close();
        await other.close();
      }
    },
  );
});

/**
 * `reauth-bot check` beside the server: an OAuth access token past its life is refreshed to probe it,
 * and the provider spends the refresh token in that grant (single use). What the grant returned is
 * committed under the credential lock, like any other refresh, never thrown away.
 */
describe('reauth-bot check and a single-use refresh token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue });
  });
  afterAll(async () => t?.close());

  it('keeps what the refresh returned: the server refreshes again afterwards, no invalid_grant', async () => {
    const call = await openModal(t, 'bb-oauth', { userId: OWNER });
    const browser = createBrowser();
    const start = await browser.get(linkOf(call));
    expect((await browser.get(await browser.decide(start.location ?? '', 'approve'))).status).toBe(200);
    const owner = async () => {
      const row = await t.deps.store.credentials.current('integration:bb-oauth');
      if (!row?.sealedSecret) throw new Error('no credential');
      return { row, key: { credentialKey: 'integration:bb-oauth', binding: row.binding } };
    };
    const payloadOf = async () => {
      const { row, key } = await owner();
      const payload = unsealPayload(t.deps.keyring, key, row.sealedSecret ?? '');
      if (payload.kind !== 'oauth') throw new Error('expected OAuth');
      return payload;
    };
    const expire = async () => {
      const { row, key } = await owner();
      t.deps.db
        .update(credentials)
        .set({
          sealedSecret: sealPayload(t.deps.keyring, key, { ...(await payloadOf()), accessExpiresAt: Date.now() }).value,
        })
        .where(eq(credentials.id, row.id))
        .run();
    };
    const spent = (await payloadOf()).refreshToken;
    await expire();
    const env = cliEnvOf(t, {
      BITBUCKET_OAUTH_CLIENT_ID: 'bb-client',
      BITBUCKET_OAUTH_CLIENT_SECRET: 'bb-secret',
      BITBUCKET_OAUTH_URL: t.providers.bitbucketOAuthUrl,
    });
    const checked = await cli(['check', 'bb-oauth'], env);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    // The grant's answer is stored: the refresh token it spent is no longer the one kept.
    expect((await payloadOf()).refreshToken).not.toBe(spent);
    // The server's own next refresh works (before, it sent the spent token and got invalid_grant).
    await expire();
    const integration = await t.deps.store.integrations.findActive('bb-oauth');
    if (!integration) throw new Error('no integration');
    const result = await t.deps.services.probe(integration);
    expect(result.outcome).toMatchObject({ kind: 'valid' });
  });
});
