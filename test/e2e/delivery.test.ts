import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq, like } from 'drizzle-orm';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultEmulator, type VaultEmulator } from '../../src/sandbox/sinks/vault-emulator.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sandbox/sinks/webhook-receiver.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { sealPayload, unsealPayload } from '../../src/services/secret-payload.js';
import { createBrowser } from '../helpers/browser.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { openModal, textOf, viewOf } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const INSIGHTS_SECRET = `whsec_${Buffer.from('insights-signing-secret-32-bytes').toString('base64')}`;
const AUDIT_SECRET = `whsec_${Buffer.from('audit-hook-signing-secret-32-byt').toString('base64')}`;
const INGEST = 'rct_INGESTCANARYconsumerToken000000000000001';
const LIMITED = 'rct_LIMITEDCANARYconsumerToken00000000000001';
const VAULT_TOKEN = 'hvs.VAULTCANARYtoken0000000001';
const EMAIL = 'ops@acme.example';
const TOKENS = [
  'ATATT3xDELIVERYCANARYone000000001=AAAA',
  'ATATT3xDELIVERYCANARYtwo000000002=BBBB',
  'ATATT3xDELIVERYCANARYthree0000003=CCCC',
  'ATATT3xDELIVERYCANARYfour000000004=DDDD',
  'ATATT3xDELIVERYCANARYfive000000005=EEEE',
  'ATATT3xDELIVERYCANARYsix0000000006=FFFF',
];
const ADO = 'deliverycanaryadopat0123456789abcdefghijklmnopqrstu';

describe('delivery: the new credential reaches consumers and sinks', () => {
  let t: TestApp;
  let hook: WebhookReceiver;
  let auditHook: WebhookReceiver;
  let vault: VaultEmulator;
  const clock = manualClock();
  let fileTarget = '';
  let reauths = 0;

  const pull = (id: string, token: string | null = INGEST, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/credentials/${id}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });

  async function reauth(token: string): Promise<void> {
    const call = await openModal(t, 'jira-acme', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { email: EMAIL, token }, { userId: OWNER });
    reauths += 1;
  }
  /** Works the outbox now (after the kick that a commit sends): deterministic, no waiting on timers. */
  const deliverDue = () => t.deps.delivery.worker.runDue();
  const credentialUpdates = (receiver: WebhookReceiver) =>
    receiver.received.filter((r) => r.payload?.type === 'credential.updated');

  beforeAll(async () => {
    hook = await startWebhookReceiver(INSIGHTS_SECRET);
    auditHook = await startWebhookReceiver(AUDIT_SECRET);
    vault = await startVaultEmulator();
    vault.addToken(VAULT_TOKEN);
    t = await startTestApp({
      clock,
      fastPathMs: 2000,
      env: {
        INSIGHTS_WEBHOOK_SECRET: INSIGHTS_SECRET,
        AUDIT_WEBHOOK_SECRET: AUDIT_SECRET,
        VAULT_ADDR: vault.url,
        VAULT_TOKEN,
      },
      catalogue: (p) => `integrations:
  - id: jira-acme
    name: Jira (Acme)
    provider: jira
    auth: api_key
    url: "${p.baseUrl('jira')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    deliver:
      - webhook: ${hook.url}
        secret_env: INSIGHTS_WEBHOOK_SECRET
        include_credential: true
      - webhook: ${auditHook.url}
        secret_env: AUDIT_WEBHOOK_SECRET
      - vault: secret/data/insights/jira-acme
      - file: out/jira-acme.json
  - { id: ado-boards, name: ADO Boards, provider: azure_devops, auth: pat, organization: acme, service: boards, url: "${p.baseUrl('azure_devops', 'acme')}", owners: [${OWNER}] }
  - { id: ado-repos, name: ADO Repos, provider: azure_devops, auth: pat, organization: acme, service: repos, url: "${p.baseUrl('azure_devops', 'acme')}", owners: [${OWNER}] }
  - { id: jira-app, name: Jira app, provider: jira, auth: connect_app, url: "${p.baseUrl('jira')}", owners: [${OWNER}] }
  - { id: gitlab-none, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [${OWNER}] }
  - { id: bb-oauth, name: Bitbucket OAuth, provider: bitbucket, auth: oauth, url: "${p.baseUrl('bitbucket')}", owners: [${OWNER}] }
  - { id: secret-team, name: Other team, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [${OWNER}] }
consumers:
  - name: insights-ingest
    token_sha256: ${sha256Hex(INGEST)}
    integrations: [jira-acme, "ado-*", jira-app, gitlab-none, bb-oauth, removed-one]
  - name: limited
    token_sha256: ${sha256Hex(LIMITED)}
    integrations: [jira-acme]
    requests_per_minute: 3
`,
    });
    fileTarget = join(t.dir, 'out', 'jira-acme.json');
    for (const token of TOKENS)
      t.providers.setToken(token, {
        provider: 'jira',
        basicUser: EMAIL,
        identity: { id: '7', name: 'Ops Bot', email: EMAIL },
      });
    t.providers.setToken(ADO, {
      provider: 'azure_devops',
      organization: 'acme',
      identity: { id: '8', name: 'Ops Bot', email: EMAIL },
    });
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
    await auditHook?.close();
    await vault?.close();
  });

  it('a re-authentication is delivered to the webhook, Vault and the file, and Slack shows each sink delivered', async () => {
    await reauth(TOKENS[0]!);
    await expect.poll(() => credentialUpdates(hook).length).toBe(1);
    await deliverDue();
    const got = credentialUpdates(hook)[0]!;
    expect(got.verified).toBe(true);
    expect(
      new Webhook(INSIGHTS_SECRET).verify(got.body, {
        'webhook-id': got.id,
        'webhook-timestamp': got.timestamp,
        'webhook-signature': got.signature,
      }),
    ).toMatchObject({
      type: 'credential.updated',
      data: {
        integration: 'jira-acme',
        version: 1,
        actor: OWNER,
        identity: 'Ops Bot',
        credential: { email: EMAIL, token: TOKENS[0] },
      },
    });
    // The second webhook has no include_credential: the event, not the secret.
    await expect.poll(() => credentialUpdates(auditHook).length).toBe(1);
    expect(credentialUpdates(auditHook)[0]?.body).not.toContain(TOKENS[0]);
    expect(vault.read('secret', 'insights/jira-acme')).toMatchObject({
      email: EMAIL,
      token: TOKENS[0],
      reauth_version: '1',
    });
    const file = JSON.parse(readFileSync(fileTarget, 'utf8'));
    expect(file).toMatchObject({
      integration: 'jira-acme',
      provider: 'jira',
      auth: 'api_key',
      version: 1,
      credential: { email: EMAIL, token: TOKENS[0] },
    });
    expect(statSync(fileTarget).mode & 0o777).toBe(0o600);

    // The modal and the channel confirmation list every sink, edited in place to delivered.
    const confirmation = t.slack.messages.find(
      (m) => m.channel === ALERTS && m.text.includes('re-authenticated') && textOf(m.blocks).includes('Delivery'),
    );
    expect(confirmation).toBeDefined();
    await expect
      .poll(
        () =>
          (textOf(t.slack.messages.find((m) => m.ts === confirmation?.ts)?.blocks).match(/delivered/g) ?? []).length,
      )
      .toBe(4);
    const modal = t.slack.callsOf('views.update').at(-1);
    expect(textOf(modal?.args.view)).toMatch(/vault secret\/data\/insights\/jira-acme — :white_check_mark: delivered/);
    expect(textOf(modal?.args.view)).toMatch(
      new RegExp(`file ${fileTarget.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} — :white_check_mark: delivered`),
    );
  });

  it('the pull API answers 200 with the credential and an ETag, and 304 while it is unchanged', async () => {
    const res = await pull('jira-acme');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    // The ETag names the version and the credential row: it never matches another credential.
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"1-\d+"$/);
    expect(await res.json()).toMatchObject({
      integration: 'jira-acme',
      provider: 'jira',
      auth: 'api_key',
      version: 1,
      expires_at: null,
      health: 'healthy',
      credential: { email: EMAIL, token: TOKENS[0] },
    });
    expect((await pull('jira-acme', INGEST, { 'if-none-match': '"1"' })).status).toBe(200);
    const again = await pull('jira-acme', INGEST, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await t.deps.store.audit.list('jira-acme')).slice(0, 3).map((a) => [a.actor, a.action, a.outcome])).toEqual(
      [
        ['consumer:insights-ingest', 'credential.read', 'not_modified'],
        ['consumer:insights-ingest', 'credential.read', 'success'],
        ['consumer:insights-ingest', 'credential.read', 'success'],
      ],
    );
    expect((await t.deps.store.audit.list('jira-acme'))[0]?.fingerprint).toBe(
      (await t.deps.store.credentials.current('integration:jira-acme'))?.fingerprints.join(','),
    );
  });

  it("401 without a known token, 403 outside the consumer's list whether or not the id exists, 404 for what it may read but cannot get", async () => {
    for (const res of [await pull('jira-acme', null), await pull('jira-acme', 'rct_unknown')]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const exists = await pull('secret-team');
    const missing = await pull('no-such-integration');
    expect([exists.status, missing.status]).toEqual([403, 403]);
    expect(await exists.text()).toBe(await missing.text());
    for (const [id, pattern] of [
      ['removed-one', /No integration "removed-one"/],
      ['jira-app', /app integration/],
      ['gitlab-none', /no credential yet/],
      ['ado-repos', /no credential yet/],
    ] as const) {
      const res = await pull(id);
      expect(res.status).toBe(404);
      expect((await res.json()) as { error: string }).toMatchObject({ error: expect.stringMatching(pattern) });
    }
    expect((await t.deps.store.audit.list('secret-team'))[0]).toMatchObject({
      actor: 'consumer:insights-ingest',
      action: 'credential.read',
      outcome: 'forbidden',
    });
  });

  it('forged and malformed pull requests get 400, 401, 403 or 404, never a credential nor a 5xx', async () => {
    const attempts: [string, Record<string, string>][] = [
      ['jira-acme', { authorization: `Bearer ${sha256Hex(INGEST)}` }], // the hash is not the token
      ['jira-acme', { authorization: `Bearer ${INGEST}x` }],
      ['jira-acme', { authorization: `Bearer ${INGEST.slice(0, -1)}` }],
      ['jira-acme', { authorization: `Basic ${Buffer.from(`x:${INGEST}`).toString('base64')}` }],
      ['jira-acme', { authorization: INGEST }],
      ['jira-acme', { authorization: `Bearer ${INGEST} ${INGEST}` }],
      ['..%2Fjira-acme', { authorization: `Bearer ${INGEST}` }],
      ['jira-acme%00', { authorization: `Bearer ${INGEST}` }],
      ['%E0%A4%A', { authorization: `Bearer ${INGEST}` }],
      [`${'a'.repeat(5000)}`, { authorization: `Bearer ${INGEST}` }],
      ['secret-team', { authorization: `Bearer ${LIMITED}` }],
    ];
    for (const [id, headers] of attempts) {
      const res = await fetch(`${t.url}/v1/credentials/${id}`, { headers });
      const body = await res.text();
      expect(
        [400, 401, 403, 404, 414, 429],
        `${id.slice(0, 40)} ${JSON.stringify(headers).slice(0, 60)} → ${res.status} ${body.slice(0, 200)}`,
      ).toContain(res.status);
      expect(body).not.toContain('ATATT3x');
    }
  });

  it('globs scope a consumer: "ado-*" reads both Azure DevOps integrations that share one credential', async () => {
    const call = await openModal(t, 'ado-boards', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { email: EMAIL, token: ADO }, { userId: OWNER });
    await expect.poll(async () => (await pull('ado-repos')).status).toBe(200);
    const [boards, repos] = await Promise.all([
      pull('ado-boards').then((r) => r.json()),
      pull('ado-repos').then((r) => r.json()),
    ]);
    expect(boards).toMatchObject({ integration: 'ado-boards', credential: { token: ADO } });
    expect(repos).toMatchObject({ integration: 'ado-repos', credential: { token: ADO } });
    expect((await pull('ado-boards', LIMITED)).status).toBe(403);
  });

  it('reads are rate limited per consumer: 429 with Retry-After, audited', async () => {
    clock.set(new Date(Math.ceil(clock.now().getTime() / 60_000) * 60_000 + 15_000)); // 15 s into a fresh minute
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await pull('jira-acme', LIMITED)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await pull('jira-acme', LIMITED);
    expect(limited.headers.get('retry-after')).toBe('45');
    expect((await t.deps.store.audit.list('jira-acme'))[0]).toMatchObject({
      actor: 'consumer:limited',
      action: 'credential.read',
      outcome: 'rate_limited',
    });
    // Another consumer is not held back by it.
    expect((await pull('jira-acme')).status).toBe(200);
    clock.advance(45_000);
    expect((await pull('jira-acme', LIMITED)).status).toBe(200);
  });

  it('a retry reuses the webhook-id; a sink down for a while receives every version in order once it is back', async () => {
    hook.setStatus(503);
    await reauth(TOKENS[1]!);
    await expect.poll(() => credentialUpdates(hook).length).toBe(2);
    await deliverDue();
    await reauth(TOKENS[2]!);
    await deliverDue();
    const firstTry = credentialUpdates(hook)[1]!;
    expect(firstTry.status).toBe(503);
    // Version 3 waits behind version 2: nothing of it reached the receiver yet.
    expect(credentialUpdates(hook).filter((r) => r.payload?.data?.version === 3)).toHaveLength(0);
    // The other sinks are not held back by this one.
    await expect.poll(() => vault.read('secret', 'insights/jira-acme')?.reauth_version).toBe('3');

    clock.advance(15_000); // past the first back-off (10 s ± 20 %)
    await deliverDue();
    const secondTry = credentialUpdates(hook)[2]!;
    expect(secondTry.id).toBe(firstTry.id);
    expect(secondTry.payload?.data?.version).toBe(2);

    hook.setStatus(200);
    clock.advance(30_000);
    await deliverDue();
    const delivered = credentialUpdates(hook)
      .filter((r) => r.status === 200)
      .map((r) => r.payload?.data?.version);
    expect(delivered).toEqual([1, 2, 3]);
    expect(await t.deps.store.deliveries.pendingCount()).toBe(0);
    // Delivered rows keep no secret.
    const { db, tables } = t.database();
    expect((await db.select().from(tables.deliveries)).every((d) => d.sealedCredential === null)).toBe(true);
  });

  it('a sink failing for 15 minutes raises one alert in the channel (and delivery.failed to the other webhook), resolved when it succeeds', async () => {
    hook.setStatus(500);
    await reauth(TOKENS[3]!);
    await expect.poll(() => credentialUpdates(hook).filter((r) => r.payload?.data?.version === 4).length).toBe(1);
    await deliverDue();
    expect((await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey.startsWith('delivery:'))).toHaveLength(0);
    for (let i = 0; i < 8; i += 1) {
      clock.advance(3 * 60_000);
      await deliverDue();
    }
    const open = (await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey.startsWith('delivery:'));
    expect(open).toHaveLength(1);
    const alert = t.slack.messages.find((m) => m.ts === open[0]?.messageTs);
    expect(alert?.text).toMatch(
      /the credential is valid but was not delivered to webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/reauth: the receiver answered HTTP 500/,
    );
    await expect.poll(() => auditHook.received.filter((r) => r.payload?.type === 'delivery.failed').length).toBe(1);
    expect(auditHook.received.find((r) => r.payload?.type === 'delivery.failed')?.body).not.toMatch(/ATATT3x/);

    hook.setStatus(200);
    clock.advance(61 * 60_000);
    await deliverDue();
    expect((await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey.startsWith('delivery:'))).toHaveLength(0);
    expect(textOf(t.slack.messages.find((m) => m.ts === open[0]?.messageTs)?.blocks)).toMatch(
      /delivery to webhook .* succeeded again/,
    );
  });

  it('reauth-bot deliver retries now beside the running server and prints each sink; list shows them too', async () => {
    const env = cliEnvOf(t, {
      INSIGHTS_WEBHOOK_SECRET: INSIGHTS_SECRET,
      AUDIT_WEBHOOK_SECRET: AUDIT_SECRET,
      VAULT_ADDR: vault.url,
      VAULT_TOKEN,
    });
    hook.setStatus(502);
    await reauth(TOKENS[4]!);
    await expect.poll(() => credentialUpdates(hook).filter((r) => r.payload?.data?.version === 5).length).toBe(1);
    await deliverDue();
    const failing = await cli(['deliver', 'jira-acme'], env, clock.now());
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(
      /jira-acme\s+webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/reauth\s+failing\s+5\s+the receiver answered HTTP 502/,
    );
    const listed = await cli(['list'], env, clock.now());
    expect(listed.stdout).toMatch(/jira-acme\s+vault secret\/data\/insights\/jira-acme\s+delivered\s+5/);
    expect(listed.stdout).toMatch(/jira-acme\s+webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/reauth\s+failing\s+5/);

    // Given up on (as the worker does after 25 attempts): listed, left alone by a plain retry, sent by --retry-dead.
    const { db, tables } = t.database();
    await db
      .update(tables.deliveries)
      .set({
        status: 'dead',
        lastError: 'given up after 25 attempts over 72 h; last error: the receiver answered HTTP 502',
      })
      .where(
        and(
          eq(tables.deliveries.status, 'pending'),
          eq(tables.deliveries.version, 5),
          like(tables.deliveries.sinkKey, 'webhook:%/hooks/reauth'),
        ),
      );
    hook.setStatus(200);
    const dead = await cli(['list'], env, clock.now());
    expect(dead.stdout).toMatch(
      /jira-acme\s+webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/reauth\s+dead\s+5\s+given up at .*; 1 given up: npx reauth-bot deliver --retry-dead sends it again/,
    );
    const plain = await cli(['deliver', 'jira-acme'], env, clock.now());
    expect(plain.code).toBe(1);
    expect(credentialUpdates(hook).filter((r) => r.payload?.data?.version === 5 && r.status === 200)).toHaveLength(0);
    const fixed = await cli(['deliver', 'jira-acme', '--retry-dead'], env, clock.now());
    expect(fixed.stdout).toContain('1 given-up message(s) queued again');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/jira-acme\s+webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/reauth\s+delivered\s+5/);
    expect(credentialUpdates(hook).filter((r) => r.payload?.data?.version === 5 && r.status === 200)).toHaveLength(1);
    expect(`${failing.stdout}${fixed.stdout}${listed.stdout}`).not.toContain(TOKENS[4]);
    expect((await cli(['deliver', 'nope'], env)).stderr).toMatch(/No integration "nope"/);
  });

  it('a delivery alert Slack refused to post is posted by the next sweep', async () => {
    hook.setStatus(500);
    t.slack.addChannel(ALERTS, { name: 'alerts', member: false });
    await reauth(TOKENS[5]!);
    await expect.poll(() => credentialUpdates(hook).filter((r) => r.payload?.data?.version === 6).length).toBe(1);
    await deliverDue();
    for (let i = 0; i < 8; i += 1) {
      clock.advance(3 * 60_000);
      await deliverDue();
    }
    const unposted = (await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey.startsWith('delivery:'));
    expect(unposted).toHaveLength(1);
    expect(unposted[0]?.messageTs).toBeNull();
    t.slack.addChannel(ALERTS, { name: 'alerts', member: true });
    await t.deps.delivery.alerts.sweep();
    const posted = (await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey.startsWith('delivery:'));
    expect(posted[0]?.messageTs).toBeTruthy();
    expect(t.slack.messages.find((m) => m.ts === posted[0]?.messageTs)?.text).toMatch(/not delivered to webhook/);
    hook.setStatus(200);
    clock.advance(61 * 60_000);
    await deliverDue();
    expect((await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey.startsWith('delivery:'))).toHaveLength(0);
  });

  it('failing and recovered events go to webhook sinks, without secrets', async () => {
    const integration = await t.deps.store.integrations.findActive('jira-acme');
    if (!integration) throw new Error('missing');
    await t.deps.services.health.apply([integration], {
      outcome: { kind: 'invalid_credentials', reason: 'Jira answered 401: the API token was revoked.' },
      source: 'webhook',
    });
    await t.deps.services.health.apply([integration], {
      outcome: { kind: 'valid', reason: 'The credential works.' },
      source: 'probe',
    });
    await deliverDue();
    const types = auditHook.received.map((r) => r.payload?.type);
    expect(types).toContain('integration.failing');
    expect(types).toContain('integration.recovered');
    expect(auditHook.received.find((r) => r.payload?.type === 'integration.failing')?.payload?.data).toMatchObject({
      integration: 'jira-acme',
      reason: 'Jira answered 401: the API token was revoked.',
    });
  });

  it('an OAuth pull refreshes an access token that expires within 5 minutes, once for two concurrent pulls; the refresh token never leaves', async () => {
    const call = await openModal(t, 'bb-oauth', { userId: OWNER });
    const link =
      (viewOf(call).blocks.find((b) => b.type === 'actions')?.elements?.[0] as { url: string } | undefined)?.url ?? '';
    const browser = createBrowser();
    const start = await browser.get(link);
    expect((await browser.get(await browser.decide(start.location ?? '', 'approve'))).status).toBe(200);
    const stored = await t.deps.store.credentials.current('integration:bb-oauth');
    if (!stored?.sealedSecret) throw new Error('no credential');
    const owner = { credentialKey: 'integration:bb-oauth', binding: stored.binding };
    const payload = unsealPayload(t.deps.keyring, owner, stored.sealedSecret);
    if (payload.kind !== 'oauth') throw new Error('expected OAuth');
    const fresh = (await (await pull('bb-oauth')).json()) as { version: number; credential: Record<string, unknown> };
    expect(fresh.credential).toEqual({
      access_token: payload.accessToken,
      token_type: 'Bearer',
      expires_at: new Date(payload.accessExpiresAt).toISOString(),
    });

    // Four minutes left: the next pull refreshes first.
    const { db, tables } = t.database();
    await db
      .update(tables.credentials)
      .set({
        sealedSecret: sealPayload(t.deps.keyring, owner, {
          ...payload,
          accessExpiresAt: clock.now().getTime() + 4 * 60_000,
        }).value,
      })
      .where(eq(tables.credentials.id, stored.id));
    const refreshesBefore = t.providers.requests.filter(
      (r) =>
        r.mount === '/bitbucket-oauth' && r.path.includes('access_token') && String(r.body).includes('refresh_token'),
    ).length;
    const [a, b] = (await Promise.all([
      pull('bb-oauth').then((r) => r.json()),
      pull('bb-oauth').then((r) => r.json()),
    ])) as { version: number; credential: { access_token: string } }[];
    expect(
      t.providers.requests.filter(
        (r) =>
          r.mount === '/bitbucket-oauth' && r.path.includes('access_token') && String(r.body).includes('refresh_token'),
      ).length - refreshesBefore,
    ).toBe(1);
    expect(a?.credential.access_token).not.toBe(payload.accessToken);
    expect(a?.credential.access_token).toBe(b?.credential.access_token);
    expect(a?.version).toBe(fresh.version + 1);
    expect(JSON.stringify([a, b])).not.toContain(payload.refreshToken ?? 'none');
  });

  it('a refused OAuth refresh is not retried on every pull: every reader backs off, and the failure reaches health and one alert', async () => {
    const stored = await t.deps.store.credentials.current('integration:bb-oauth');
    if (!stored?.sealedSecret) throw new Error('no credential');
    const owner = { credentialKey: 'integration:bb-oauth', binding: stored.binding };
    const payload = unsealPayload(t.deps.keyring, owner, stored.sealedSecret);
    if (payload.kind !== 'oauth') throw new Error('expected OAuth');
    // Expired, and its refresh token revoked at the provider (invalid_grant).
    const { db, tables } = t.database();
    await db
      .update(tables.credentials)
      .set({
        sealedSecret: sealPayload(t.deps.keyring, owner, {
          ...payload,
          accessExpiresAt: clock.now().getTime() - 1_000,
          refreshToken: 'revoked-refresh-token',
        }).value,
      })
      .where(eq(tables.credentials.id, stored.id));
    const grants = () =>
      t.providers.requests.filter((r) => r.mount === '/bitbucket-oauth' && String(r.body).includes('refresh_token'))
        .length;
    const before = grants();
    const answers = await Promise.all(Array.from({ length: 50 }, () => pull('bb-oauth')));
    expect(grants() - before).toBe(1);
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 503));
    expect(Number(answers[49]?.headers.get('retry-after'))).toBeGreaterThan(60);
    expect(await t.deps.store.health.of('bb-oauth')).toMatchObject({
      status: 'failing',
      outcome: 'invalid_credentials',
    });
    expect((await t.deps.store.alerts.listOpen()).filter((a) => a.alertKey === 'integration:bb-oauth')).toHaveLength(1);
    // Once the back-off is over, one more grant is tried.
    clock.advance(31 * 60_000);
    await pull('bb-oauth');
    expect(grants() - before).toBe(2);
  });

  it('/metrics counts deliveries by sink kind and outcome, pending deliveries and consumer reads', async () => {
    await deliverDue();
    const families = parsePrometheusTextFormat(await (await fetch(`${t.url}/metrics`)).text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(
        families
          .find((f) => f.name === name)
          ?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? Number.NaN,
      );
    expect(value('reauth_deliveries_total', { sink: 'webhook', outcome: 'delivered' })).toBeGreaterThan(5);
    expect(value('reauth_deliveries_total', { sink: 'webhook', outcome: 'failed' })).toBeGreaterThan(3);
    expect(value('reauth_deliveries_total', { sink: 'vault', outcome: 'delivered' })).toBeGreaterThan(3);
    expect(value('reauth_deliveries_total', { sink: 'file', outcome: 'delivered' })).toBeGreaterThan(3);
    expect(value('reauth_pending_deliveries')).toBe(0);
    expect(value('reauth_credential_reads_total', { status: '200' })).toBeGreaterThan(3);
    expect(value('reauth_credential_reads_total', { status: '403' })).toBeGreaterThan(0);
    expect(value('reauth_credential_reads_total', { status: '429' })).toBeGreaterThan(0);
  });

  it('no secret reaches a log line (debug level), an audit row or the database file', async () => {
    const atRest = await t.bytesAtRest();
    // The search looks in the right place: what the database keeps holds the stored credential's fingerprint.
    const stored = await t.deps.store.credentials.current('integration:jira-acme');
    expect(atRest.includes(Buffer.from(stored?.fingerprints[0] ?? 'no credential stored'))).toBe(true);
    const everything = [t.logs.text(), JSON.stringify(await t.deps.store.audit.list()), atRest.toString('latin1')].join(
      '\n',
    );
    for (const secret of [...TOKENS, ADO, INGEST, LIMITED, VAULT_TOKEN, INSIGHTS_SECRET, AUDIT_SECRET])
      expect(everything).not.toContain(secret);
    expect(reauths).toBeGreaterThan(3);
  });
});
