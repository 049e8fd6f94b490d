import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { closePostgres, openPostgres } from '../../src/db/postgres/client.js';
import { credentials as pgCredentials } from '../../src/db/postgres/schema.js';
import { sealPayload, unsealPayload } from '../../src/services/secret-payload.js';
import { compose, type Composition } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { createSlackDriver, signSlackBody, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { createBrowser } from '../helpers/browser.js';
import { captureLogger } from '../helpers/capture-log.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { testHttpClient } from '../helpers/providers.js';
import { ALERTS, BOT_TOKEN, freePort, manualClock, OWNER, SIGNING_SECRET } from '../helpers/start-app.js';

const GOOD = 'glpat-ReplicaGoodToken0123456';
const FRESH = 'glpat-ReplicaFreshToken012345';
const CONSUMER = 'rct_ReplicaConsumerToken000000000000000001';
const LIMITED = 'rct_ReplicaLimitedConsumer00000000000000001';

/**
 * Two replicas on one PostgreSQL database behind one PUBLIC_URL, Slack requests sent alternately to
 * each: every rule that must hold once holds once.
 */
describe('two replicas on one PostgreSQL', () => {
  let postgres: TestPostgres;
  let slack: SlackEmulator;
  let providers: ProviderEmulator;
  let dir: ReturnType<typeof tempDir>;
  const clock = manualClock();
  const replicas: { app: Composition; url: string; driver: SlackDriver }[] = [];
  const logs = captureLogger('debug');

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const databaseUrl = await postgres.newDatabase();
    slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    slack.addUser(OWNER);
    slack.addChannel(ALERTS, { name: 'alerts' });
    providers = await startProviderEmulator();
    providers.oauth.clients.bitbucket = { clientId: 'bb-client', clientSecret: 'bb-secret' };
    providers.setToken(GOOD, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane', username: 'jane' },
    });
    providers.setToken(FRESH, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane', username: 'jane' },
    });
    dir = tempDir();
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:
  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", channel: ${ALERTS}, owners: [${OWNER}], rotate: true }
  - { id: bb-oauth, name: Bitbucket, provider: bitbucket, auth: oauth, url: "${providers.baseUrl('bitbucket')}", channel: ${ALERTS}, owners: [${OWNER}] }
consumers:
  - { name: ingest, token_sha256: ${sha256Hex(CONSUMER)}, integrations: ["*"] }
  - { name: limited, token_sha256: ${sha256Hex(LIMITED)}, integrations: [gitlab], requests_per_minute: 4 }
`,
    );
    const ports = [await freePort(), await freePort()];
    const key = newKeyText();
    // Both behind one load balancer: one PUBLIC_URL (the first replica's address stands in for it).
    const publicUrl = `http://127.0.0.1:${ports[0]}`;
    // Started together: migrations and the catalogue sync take turns under advisory locks.
    const apps = await Promise.all(
      ports.map(async (port) => {
        const parsed = parseConfig(
          {
            SLACK_BOT_TOKEN: BOT_TOKEN,
            SLACK_SIGNING_SECRET: SIGNING_SECRET,
            SLACK_API_URL: slack.apiUrl,
            PORT: String(port),
            PUBLIC_URL: publicUrl,
            DATABASE_URL: databaseUrl,
            REAUTH_SECRET_KEY: key,
            INTEGRATIONS_FILE: catalogue,
            DEFAULT_ALERT_CHANNEL: ALERTS,
            HEALTH_CHECK_INTERVAL_SECONDS: '60',
            BITBUCKET_OAUTH_CLIENT_ID: 'bb-client',
            BITBUCKET_OAUTH_CLIENT_SECRET: 'bb-secret',
            BITBUCKET_OAUTH_URL: providers.bitbucketOAuthUrl,
            LOG_LEVEL: 'debug',
          },
          { slack: true, secretKey: true },
        );
        if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
        const app = await compose(parsed.config, logs.logger, { clock, http: testHttpClient(), random: () => 0 });
        await app.start({ monitor: false, delivery: false });
        return {
          app,
          url: `http://127.0.0.1:${port}`,
          driver: createSlackDriver({ appUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, slack }),
        };
      }),
    );
    replicas.push(...apps);
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.app.stop();
    await slack?.close();
    await providers?.close();
    await postgres?.close();
    dir?.cleanup();
  });

  const gitlabProbes = () => providers.requests.filter((r) => r.mount === '/gitlab').length;
  const alertPosts = () =>
    slack
      .callsOf('chat.postMessage')
      .filter((c) => c.ok && (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'reauth_alert')
      .length;

  async function reauth(via: [number, number], token: string): Promise<void> {
    const [opener, submitter] = [replicas[via[0]]!, replicas[via[1]]!];
    const before = slack.callsOf('views.open').length;
    expect((await opener.driver.command('gitlab', { userId: OWNER })).status).toBe(200);
    await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(before + 1));
    const ref = slack.callsOf('views.open')[before]?.ref ?? '';
    expect((await submitter.driver.submit(ref, { token }, { userId: OWNER })).status).toBe(200);
  }

  it('a re-authentication through one replica is what the other serves at once', async () => {
    await reauth([0, 1], GOOD);
    const pulled = await fetch(`${replicas[0]!.url}/v1/credentials/gitlab`, {
      headers: { authorization: `Bearer ${CONSUMER}` },
    });
    expect(pulled.status).toBe(200);
    expect(await pulled.json()).toMatchObject({ version: 1, credential: { token: GOOD } });
    expect((await replicas[1]!.app.store.health.of('gitlab'))?.status).toBe('healthy');
  });

  it('breaks a credential: each interval one probe in total, and one alert, kept current', async () => {
    providers.updateToken(GOOD, { status: 'revoked' });
    const before = gitlabProbes();
    for (let interval = 0; interval < 3; interval += 1) {
      // A rejected credential is probed again after 30 minutes (providers lock accounts out).
      clock.advance(31 * 60_000);
      // Both replicas' monitors look for due work at the same moment.
      await Promise.all(replicas.map((r) => r.app.monitor.runDue()));
    }
    expect(gitlabProbes() - before).toBe(3);
    expect(alertPosts()).toBe(1);
    const alert = slack
      .callsOf('chat.postMessage')
      .find((c) => (c.args.metadata as { event_type?: string } | undefined)?.event_type === 'reauth_alert');
    expect(String(alert?.args.text)).toMatch(/GitLab/);
    expect(slack.callsOf('chat.update').length).toBeGreaterThan(0);

    // Fixed through the other replica: the one alert resolves, the pull API serves version 2 on both.
    await reauth([1, 0], FRESH);
    for (const replica of replicas) {
      const res = await fetch(`${replica.url}/v1/credentials/gitlab`, {
        headers: { authorization: `Bearer ${CONSUMER}` },
      });
      expect(await res.json()).toMatchObject({ version: 2, credential: { token: FRESH } });
    }
    expect((await replicas[0]!.app.store.alerts.listOpen()).length).toBe(0);
  });

  it('an OAuth sign-in started on one replica completes on the other; its state works once', async () => {
    const before = slack.callsOf('views.open').length;
    await replicas[0]!.driver.command('bb-oauth', { userId: OWNER });
    await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(before + 1));
    const view = slack.callsOf('views.open')[before]?.args.view as {
      blocks: { type: string; elements?: { url?: string }[] }[];
    };
    const link = view.blocks.find((b) => b.type === 'actions')?.elements?.[0]?.url ?? '';
    const browser = createBrowser();
    const start = await browser.get(link); // replica 0 (PUBLIC_URL) binds the browser
    const cookie = start.setCookie.map((c) => c.split(';')[0]).join('; ');
    const callback = new URL(await browser.decide(start.location ?? '', 'approve'));
    // The load balancer sends the callback to the other replica.
    const onOther = `${replicas[1]!.url}${callback.pathname}${callback.search}`;
    const done = await fetch(onOther, { redirect: 'manual', headers: { cookie } });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('is re-authenticated');
    const again = await fetch(`${replicas[0]!.url}${callback.pathname}${callback.search}`, {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(again.status).toBe(400);
    const pulled = await fetch(`${replicas[0]!.url}/v1/credentials/bb-oauth`, {
      headers: { authorization: `Bearer ${CONSUMER}` },
    });
    expect(await pulled.json()).toMatchObject({ version: 1, credential: { token_type: 'Bearer' } });
  });

  it('two replicas asked for one expiring OAuth credential at the same instant send exactly one refresh grant', async () => {
    const { app } = replicas[0]!;
    const db = openPostgres(app.config.databaseUrl ?? '');
    onTestFinished(() => closePostgres(db));
    const [stored] = await db
      .select()
      .from(pgCredentials)
      .where(and(eq(pgCredentials.credentialKey, 'integration:bb-oauth'), isNull(pgCredentials.replacedAt)));
    if (!stored?.sealedSecret) throw new Error('no OAuth credential');
    const owner = { credentialKey: stored.credentialKey, binding: stored.binding };
    const payload = unsealPayload(app.keyring, owner, stored.sealedSecret);
    if (payload.kind !== 'oauth') throw new Error('expected OAuth');
    // Four minutes left (the refresh token is single use at the emulator, as Bitbucket's rotates).
    await db
      .update(pgCredentials)
      .set({
        sealedSecret: sealPayload(app.keyring, owner, {
          ...payload,
          accessExpiresAt: clock.now().getTime() + 4 * 60_000,
        }).value,
      })
      .where(eq(pgCredentials.id, stored.id));
    const grants = () =>
      providers.requests.filter(
        (r) => r.mount === '/bitbucket-oauth' && String(r.body).includes('grant_type=refresh_token'),
      ).length;
    const before = grants();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fetch(`${replicas[i % 2]!.url}/v1/credentials/bb-oauth`, { headers: { authorization: `Bearer ${CONSUMER}` } }),
      ),
    );
    expect(grants() - before).toBe(1);
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => 200));
    const tokens = new Set(
      await Promise.all(
        answers.map(
          async (a) => ((await a.json()) as { credential: { access_token: string } }).credential.access_token,
        ),
      ),
    );
    expect(tokens.size).toBe(1);
    expect(tokens.has(payload.accessToken)).toBe(false);
  });

  it("a consumer's rate limit is counted across replicas", async () => {
    clock.set(new Date(Math.ceil(clock.now().getTime() / 60_000) * 60_000 + 1_000));
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1)
      statuses.push(
        (
          await fetch(`${replicas[i % 2]!.url}/v1/credentials/gitlab`, {
            headers: { authorization: `Bearer ${LIMITED}` },
          })
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
  });

  it('two replicas that find one credential due rotate it once', async () => {
    const { app } = replicas[0]!;
    const current = await app.store.credentials.current('integration:gitlab');
    if (!current) throw new Error('no credential');
    providers.updateToken(FRESH, { scopes: ['api'], expiresAt: new Date(clock.now().getTime() + 2 * 86_400_000) });
    await app.store.credentials.updateExpiry(current.id, new Date(clock.now().getTime() + 2 * 86_400_000));
    const integration = (await app.store.integrations.findActive('gitlab'))!;
    const results = await Promise.all(
      replicas.flatMap((r) => [r.app.rotation.rotateIfDue(integration), r.app.rotation.rotateIfDue(integration)]),
    );
    expect(providers.requests.filter((r) => r.path.endsWith('/personal_access_tokens/self/rotate'))).toHaveLength(1);
    expect(results.map((r) => r?.status).filter((s) => s === 'rotated')).toHaveLength(1);
    expect(providers.token(FRESH)?.status).toBe('revoked');
    const pulled = await fetch(`${replicas[1]!.url}/v1/credentials/gitlab`, {
      headers: { authorization: `Bearer ${CONSUMER}` },
    });
    expect(await pulled.json()).toMatchObject({ version: current.version + 1 });
  });

  it('a Slack request signature is accepted once across replicas', async () => {
    const body = new URLSearchParams({
      command: '/reauth',
      text: 'help',
      user_id: OWNER,
      channel_id: ALERTS,
      team_id: 'T0TEAM',
      response_url: `${slack.apiUrl}response/replay`,
      trigger_id: 'trigger-replay',
    }).toString();
    const signed = signSlackBody(SIGNING_SECRET, body);
    const send = (url: string) =>
      fetch(`${url}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed },
        body,
      });
    expect((await send(replicas[0]!.url)).status).toBe(200);
    expect((await send(replicas[1]!.url)).status).toBe(401);
  });

  it('a hand-over to another account asked on one replica is confirmed on the other, once', async () => {
    const mine = 'glpat-ReplicaHandoverMine01234';
    const theirs = 'glpat-ReplicaHandoverTheirs012';
    providers.setToken(mine, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane', username: 'jane' },
    });
    providers.setToken(theirs, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '2', name: 'Sam', username: 'sam' },
    });
    await reauth([0, 1], mine);
    const before = slack.callsOf('views.open').length;
    await replicas[0]!.driver.command('gitlab', { userId: OWNER });
    await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(before + 1));
    const viewId = slack.callsOf('views.open')[before]?.ref ?? '';
    const asked = await replicas[0]!.driver.submit(viewId, { token: theirs }, { userId: OWNER });
    expect(asked.json).toMatchObject({ response_action: 'update', view: { callback_id: 'reauth_confirm_account' } });
    slack.applySubmissionAck(viewId, asked.json);
    const confirmation = slack.view(viewId)?.view as Record<string, unknown>;
    const confirmed = await replicas[1]!.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER });
    expect(confirmed.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });
    const pulled = await fetch(`${replicas[0]!.url}/v1/credentials/gitlab`, {
      headers: { authorization: `Bearer ${CONSUMER}` },
    });
    expect(await pulled.json()).toMatchObject({ credential: { token: theirs } });
    // A later, distinct submission of the same confirmation (Slack updated the view meanwhile).
    slack.applySubmissionAck(viewId, confirmed.json);
    const replay = await replicas[0]!.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER }, (v) =>
      Object.assign(v, {
        callback_id: confirmation.callback_id,
        private_metadata: confirmation.private_metadata,
        blocks: confirmation.blocks,
      }),
    );
    expect(JSON.stringify(replay.json)).toContain('was already answered');
  });
});

describe('PostgreSQL restarting mid-run', () => {
  it('an interaction during the outage fails cleanly, and the next one after it works', async () => {
    const postgres = await startTestPostgres();
    const slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    slack.addUser(OWNER);
    const providers = await startProviderEmulator();
    providers.setToken(GOOD, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane', username: 'jane' },
    });
    const dir = tempDir();
    const logs = captureLogger('debug');
    let app: Composition | undefined;
    try {
      const catalogue = join(dir.path, 'integrations.yml');
      writeFileSync(
        catalogue,
        `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", channel: ${ALERTS}, owners: [${OWNER}] }\nconsumers:\n  - { name: ingest, token_sha256: ${sha256Hex(CONSUMER)}, integrations: ["*"] }\n`,
      );
      const port = await freePort();
      const parsed = parseConfig(
        {
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          PORT: String(port),
          DATABASE_URL: await postgres.newDatabase(),
          REAUTH_SECRET_KEY: newKeyText(),
          INTEGRATIONS_FILE: catalogue,
          DEFAULT_ALERT_CHANNEL: ALERTS,
          HEALTH_CHECK_INTERVAL_SECONDS: '60',
          LOG_LEVEL: 'debug',
        },
        { slack: true, secretKey: true },
      );
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      app = await compose(parsed.config, logs.logger, { http: testHttpClient(), random: () => 0 });
      await app.start({ monitor: false, delivery: false });
      const url = `http://127.0.0.1:${port}`;
      const driver = createSlackDriver({ appUrl: url, signingSecret: SIGNING_SECRET, slack });
      const opened = await driver.command('gitlab', { userId: OWNER });
      expect(opened.status).toBe(200);
      await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(1));
      await driver.submit(slack.callsOf('views.open')[0]?.ref ?? '', { token: GOOD }, { userId: OWNER });
      const pull = () => fetch(`${url}/v1/credentials/gitlab`, { headers: { authorization: `Bearer ${CONSUMER}` } });
      expect((await pull()).status).toBe(200);

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await postgres.stop();
      // Readiness fails while the database does not answer: a load balancer sends traffic elsewhere.
      const unready = await fetch(`${url}/healthz`);
      expect([unready.status, await unready.json()]).toEqual([503, { status: 'database_unreachable' }]);
      const during = await pull();
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('5');
      expect(await during.text()).not.toContain(GOOD);
      await expect(app.monitor.runDue()).rejects.toThrow();

      await postgres.start();
      // The pool drops the broken connections; the next operations open new ones.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await pull()).status).toBe(200);
      await app.monitor.runDue();
      expect((await app.store.health.of('gitlab'))?.status).toBe('healthy');
      expect(logs.text()).not.toContain(GOOD);
    } finally {
      await app?.stop();
      await slack.close();
      await providers.close();
      await postgres.close();
      dir.cleanup();
    }
  });
});
