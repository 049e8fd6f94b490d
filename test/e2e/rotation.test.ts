import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sandbox/sinks/webhook-receiver.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { openModal, textOf } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, STRANGER, startTestApp, type TestApp } from '../helpers/start-app.js';

const HOOK_SECRET = `whsec_${Buffer.from('rotation-hook-signing-secret-32b').toString('base64')}`;
const CONSUMER = 'rct_ROTATIONCANARYconsumerToken000000000001';
const GITLAB = 'glpat-RotationCanaryGitLab00001';
const SCOPELESS = 'glpat-RotationCanaryScopeless01';
const SONAR = 'squ_rotationcanarysonar0000000000000000000001';
const DAY = 86_400_000;

/**
 * Automatic rotation through the provider emulators, which implement GitLab's self-rotation and
 * SonarQube's user-token API as documented: due and not due, the lifetime asked, validation before
 * commit, delivery of the new version everywhere, failures that leave the current credential working,
 * and the previous token's fate.
 */
describe('rotation before expiry', () => {
  let t: TestApp;
  let hook: WebhookReceiver;
  const clock = manualClock(new Date('2026-12-02T09:00:00Z'));
  const pull = (id: string) =>
    fetch(`${t.url}/v1/credentials/${id}`, { headers: { authorization: `Bearer ${CONSUMER}` } });
  const rotateCalls = (mount: string, path: string) =>
    t.providers.requests.filter((r) => r.mount === mount && r.path.endsWith(path));
  const integration = async (id: string) => {
    const found = await t.deps.store.integrations.findActive(id);
    if (!found) throw new Error(`no ${id}`);
    return found;
  };
  async function reauth(id: string, values: Record<string, string>): Promise<void> {
    const call = await openModal(t, id, { userId: OWNER });
    const answer = await t.driver.submit(call.ref ?? '', values, { userId: OWNER });
    expect(answer.text).not.toContain('"errors"');
  }

  beforeAll(async () => {
    hook = await startWebhookReceiver(HOOK_SECRET);
    t = await startTestApp({
      clock,
      fastPathMs: 2000,
      env: { HOOK_SECRET, HEALTH_CHECK_INTERVAL_SECONDS: '3600' },
      catalogue: (p) => `integrations:
  - id: gitlab-main
    name: GitLab (main)
    provider: gitlab
    auth: pat
    url: "${p.baseUrl('gitlab')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    rotate: { before_days: 7, lifetime_days: 30 }
    deliver:
      - { webhook: "${hook.url}", secret_env: HOOK_SECRET, include_credential: true }
      - file: out/gitlab-main.json
  - id: gitlab-scopeless
    name: GitLab (read only)
    provider: gitlab
    auth: pat
    url: "${p.baseUrl('gitlab')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    rotate: true
  - id: sonar
    name: SonarQube
    provider: sonarqube
    auth: api_key
    url: "${p.baseUrl('sonarqube')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    rotate: { every_days: 30 }
consumers:
  - { name: ingest, token_sha256: ${sha256Hex(CONSUMER)}, integrations: ["*"] }
`,
    });
    t.providers.setToken(GITLAB, {
      provider: 'gitlab',
      scopes: ['api'],
      identity: { id: '7', name: 'Deploy Bot', username: 'deploy-bot' },
      expiresAt: new Date(clock.now().getTime() + 30 * DAY),
    });
    t.providers.setToken(SCOPELESS, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '8', name: 'Reader', username: 'reader' },
      expiresAt: new Date(clock.now().getTime() + 2 * DAY),
    });
    t.providers.setToken(SONAR, {
      provider: 'sonarqube',
      identity: { id: 'ci-bot', name: 'CI Bot', username: 'ci-bot' },
      tokenName: 'made-by-hand',
    });
    await reauth('gitlab-main', { token: GITLAB });
    await reauth('gitlab-scopeless', { token: SCOPELESS });
    await reauth('sonar', { username: 'ci-bot', token: SONAR });
    await t.deps.delivery.worker.runDue();
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  it('does nothing while the credential is not due', async () => {
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab-main')))?.status).toBe('not_due');
    expect((await t.deps.rotation.rotateIfDue(await integration('sonar')))?.status).toBe('not_due');
    expect(rotateCalls('/gitlab', '/self/rotate')).toHaveLength(0);
  });

  it('rotates a GitLab token expiring within before_days at its probe: once, for the lifetime asked, validated, delivered everywhere, announced', async () => {
    t.providers.updateToken(GITLAB, { expiresAt: new Date(clock.now().getTime() + 5 * DAY) });
    const before = (await (await pull('gitlab-main')).json()) as { version: number };
    // The probe sees the new expiry, finds it due, and rotates.
    await t.deps.services.checkNow('gitlab-main', OWNER);
    const calls = rotateCalls('/gitlab', '/self/rotate');
    expect(calls).toHaveLength(1);
    expect(new URLSearchParams(calls[0]?.body).get('expires_at')).toBe('2027-01-01');
    expect(t.providers.token(GITLAB)?.status).toBe('revoked');
    const stored = await t.deps.store.credentials.current('integration:gitlab-main');
    expect(stored?.version).toBe(before.version + 1);
    expect(stored?.createdBy).toBe('reauth');
    expect(stored?.expiresAt?.toISOString()).toBe('2027-01-01T00:00:00.000Z');

    await t.deps.delivery.worker.runDue();
    const pulled = (await (await pull('gitlab-main')).json()) as { version: number; credential: { token: string } };
    expect(pulled.version).toBe(before.version + 1);
    expect(pulled.credential.token).toMatch(/^glpat-/);
    expect(pulled.credential.token).not.toBe(GITLAB);
    expect(t.providers.token(pulled.credential.token)?.status).toBe('valid');
    const event = hook.received.filter((r) => r.payload?.type === 'credential.updated').at(-1);
    expect(event?.payload?.data).toMatchObject({
      version: before.version + 1,
      actor: 'reauth',
      how: 'rotation',
      credential: { token: pulled.credential.token },
    });
    expect(JSON.parse(readFileSync(join(t.dir, 'out', 'gitlab-main.json'), 'utf8'))).toMatchObject({
      version: before.version + 1,
      credential: { token: pulled.credential.token },
    });
    expect((await t.deps.store.audit.list('gitlab-main')).find((a) => a.action === 'credential.rotate')).toMatchObject({
      actor: 'reauth',
      outcome: 'success',
    });
    const notice = t.slack.messages
      .filter((m) => m.channel === ALERTS && m.text.includes('rotated automatically'))
      .at(-1);
    expect(notice?.text).toContain('GitLab (main)');
    expect(notice?.text).toContain('GitLab revoked the previous token');
    await expect
      .poll(() => textOf(t.slack.messages.find((m) => m.ts === notice?.ts)?.blocks))
      .toMatch(/delivered[\s\S]*delivered/);
    // Due no more: the next probe does not rotate again.
    await t.deps.services.checkNow('gitlab-main', OWNER);
    expect(rotateCalls('/gitlab', '/self/rotate')).toHaveLength(1);
  });

  it('a token without the self_rotate scope stays in place, is retried at most once an hour, and the expiry warning says why and what to fix', async () => {
    const result = await t.deps.rotation.rotateIfDue(await integration('gitlab-scopeless'));
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('api or self_rotate scope') });
    expect(t.providers.token(SCOPELESS)?.status).not.toBe('revoked');
    expect((await t.deps.store.credentials.current('integration:gitlab-scopeless'))?.createdBy).toBe(OWNER);
    const calls = rotateCalls('/gitlab', '/self/rotate').length;
    clock.advance(30 * 60_000);
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab-scopeless')))?.status).toBe('backing_off');
    expect(rotateCalls('/gitlab', '/self/rotate')).toHaveLength(calls);
    await t.deps.monitor.sendExpiryWarnings();
    const warning = t.slack.messages.find(
      (m) =>
        m.channel === ALERTS && m.text.includes('GitLab (read only)') && m.text.includes('automatic rotation failed'),
    );
    expect(textOf(warning?.blocks)).toMatch(/Automatic rotation failed: .*api or self_rotate scope/);
    expect(JSON.stringify(warning?.blocks)).toContain('rotate_now');
    clock.advance(31 * 60_000);
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab-scopeless')))?.status).toBe('failed');
    expect(rotateCalls('/gitlab', '/self/rotate')).toHaveLength(calls + 1);
  });

  it('no expiry warning is posted while a rotation is on track', async () => {
    t.providers.updateToken(SONAR, { expiresAt: new Date(clock.now().getTime() + 2 * DAY) });
    // Stored as expiring within 3 days and not rotated yet: a warning would be due, but the rotation is on track.
    const stored = await t.deps.store.credentials.current('integration:sonar');
    await t.deps.store.credentials.updateExpiry(stored!.id, new Date(clock.now().getTime() + 2 * DAY));
    const warnings = () => t.slack.messages.filter((m) => m.text.includes('SonarQube: credential expires')).length;
    await t.deps.monitor.sendExpiryWarnings();
    expect(warnings()).toBe(0);
    await t.deps.services.checkNow('sonar', OWNER); // rotated: expiring within 7 days
    const before = t.slack.messages.filter((m) => m.text.includes('SonarQube: credential expires')).length;
    await t.deps.monitor.sendExpiryWarnings();
    expect(t.slack.messages.filter((m) => m.text.includes('SonarQube: credential expires')).length).toBe(before);
  });

  it('SonarQube: a token a person entered is never revoked; one Reauth generated is revoked once every sink has its successor; leftovers are cleaned up', async () => {
    const first = await t.deps.store.credentials.current('integration:sonar');
    expect(first?.tokenName).toMatch(/^reauth-sonar-/);
    expect(t.providers.token(SONAR)?.status).not.toBe('revoked');
    expect(t.slack.messages.filter((m) => m.text.includes('SonarQube rotated automatically')).at(-1)?.text).toMatch(
      /entered by a person, so Reauth leaves it alone/,
    );
    const generate = rotateCalls('/sonarqube', '/api/user_tokens/generate');
    expect(new URLSearchParams(generate.at(-1)?.body).get('name')).toBe(first?.tokenName);
    // A leftover of an interrupted rotation, still valid at SonarQube: its name was recorded with its attempt.
    t.providers.setToken('squ_leftoverofaninterruptedrotation000000001', {
      provider: 'sonarqube',
      identity: { id: 'ci-bot', name: 'CI Bot', username: 'ci-bot' },
      tokenName: 'reauth-sonar-20261101T000000z',
    });
    t.deps.db.$client
      .prepare(
        `insert into rotation_attempts (integration_id, credential_key, credential_id, version, provider, token_name, requested_by, started_at, finished_at, outcome)
         values ('sonar', 'integration:sonar', ?, 1, 'sonarqube', 'reauth-sonar-20261101T000000z', 'probe', ?, ?, 'interrupted')`,
      )
      .run(first?.id, clock.now().getTime() - DAY, clock.now().getTime() - DAY);
    // The live token of another integration whose id starts the same (sonar-prod), on the same login:
    // its name begins "reauth-sonar-" too, but Reauth never generated it for sonar.
    t.providers.setToken('squ_liveTokenOfSonarProdNotOurs0000000000001', {
      provider: 'sonarqube',
      identity: { id: 'ci-bot', name: 'CI Bot', username: 'ci-bot' },
      tokenName: 'reauth-sonar-prod-20261101T000000z',
    });

    clock.advance(31 * DAY); // held every_days: due again
    const second = await t.deps.rotation.rotateIfDue(await integration('sonar'));
    expect(second?.status).toBe('rotated');
    expect(t.providers.token('squ_leftoverofaninterruptedrotation000000001')?.status).toBe('revoked');
    expect(t.providers.token('squ_liveTokenOfSonarProdNotOurs0000000000001')?.status).not.toBe('revoked');
    const pulled = (await (await pull('sonar')).json()) as { credential: { token: string } };
    // No sinks: revoked at the next sweep (the delivery loop may have swept already).
    await t.deps.rotation.revokePrevious();
    expect(t.deps.db.$client.prepare('select count(*) n from token_revocations where done_at is null').get()).toEqual({
      n: 0,
    });
    const revoked = rotateCalls('/sonarqube', '/api/user_tokens/revoke').map((r) =>
      new URLSearchParams(r.body).get('name'),
    );
    expect(revoked).toContain(first?.tokenName);
    expect(revoked).not.toContain('made-by-hand');
    expect(t.providers.token(pulled.credential.token)?.status).toBe('valid');
  });

  it('reauth-bot rotate renews now (exit 0) or says why not (exit 1), beside the server', async () => {
    const env = cliEnvOf(t, {
      SLACK_BOT_TOKEN: t.config.slack.botToken,
      SLACK_SIGNING_SECRET: 'x',
      SLACK_API_URL: t.slack.apiUrl,
      HOOK_SECRET,
      DEFAULT_ALERT_CHANNEL: ALERTS,
    });
    const done = await cli(['rotate', 'gitlab-main'], env, clock.now());
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/gitlab-main rotated: new credential .* \(version \d+\), valid until 2027-/);
    const failed = await cli(['rotate', 'gitlab-scopeless'], env, clock.now());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/not rotated: .*api or self_rotate scope/);
    expect((await cli(['rotate', 'nope'], env)).code).toBe(2);
    const listed = await cli(['list'], env, clock.now());
    expect(listed.stdout).toMatch(/ID\s+LAST ROTATED\s+LAST ATTEMPT\s+NEXT ATTEMPT/);
    expect(listed.stdout).toMatch(/gitlab-main\s+\d{4}-\S+ \S+\s+rotated\s+\d{4}-/);
    expect(listed.stdout).toMatch(/gitlab-scopeless\s+-\s+failed: .*self_rotate scope.*\s+\d{4}-/);
  });

  it('App Home says when each integration rotates, or why its rotation failed', async () => {
    const before = t.slack.callsOf('views.publish').length;
    await t.driver.event({ type: 'app_home_opened', user: OWNER, channel: 'D0OWNER', tab: 'home' });
    await expect.poll(() => t.slack.callsOf('views.publish').length).toBe(before + 1);
    const home = textOf(t.slack.callsOf('views.publish').at(-1)?.args.view);
    expect(home).toMatch(/GitLab \(main\)[\s\S]*Rotates automatically around/);
    expect(home).toMatch(/GitLab \(read only\)[\s\S]*Automatic rotation failed: .*self_rotate/);
  });

  it('an interrupted rotation is settled at start-up: the alert with Re-authenticate is posted at once when GitLab revoked the previous token', async () => {
    const current = await t.deps.store.credentials.current('integration:gitlab-main');
    if (!current) throw new Error('no credential');
    // The process died after GitLab revoked the previous token and before the answer was stored.
    t.deps.db.$client
      .prepare(
        "insert into rotation_attempts (integration_id, credential_key, credential_id, version, provider, requested_by, started_at) values ('gitlab-main', 'integration:gitlab-main', ?, ?, 'gitlab', 'probe', ?)",
      )
      .run(current.id, current.version, clock.now().getTime());
    const pulled = (await (await pull('gitlab-main')).json()) as { credential: { token: string } };
    t.providers.updateToken(pulled.credential.token, { status: 'revoked' });
    await t.restart();
    expect((await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:gitlab-main')).toBeDefined();
    const alert = t.slack.messages.filter((m) => m.channel === ALERTS && m.text.includes('GitLab (main)')).at(-1);
    expect(textOf(alert?.blocks)).toMatch(/rotation was interrupted/);
    expect(JSON.stringify(alert?.blocks)).toContain('reauth_open');
    expect(
      t.deps.db.$client.prepare('select count(*) n from rotation_attempts where finished_at is null').get(),
    ).toEqual({ n: 0 });
  });

  it('only owners and admins may press Rotate now', async () => {
    const denied = await t.deps.services.rotateNow('gitlab-main', STRANGER);
    expect(denied.kind).toBe('denied');
    expect((await t.deps.store.audit.list('gitlab-main'))[0]).toMatchObject({
      actor: STRANGER,
      action: 'credential.rotate_now',
      outcome: 'denied',
    });
  });

  it('no token reaches the logs, Slack or the database in plain text', () => {
    const tokens = [
      GITLAB,
      SCOPELESS,
      SONAR,
      ...t.providers.requests
        .map((r) => r.token)
        .filter((x): x is string => typeof x === 'string' && /^(glpat|squ)_?-?/.test(x)),
    ];
    const db = readFileSync(t.config.databasePath).toString('latin1');
    for (const token of new Set(tokens)) {
      expect(t.logs.text()).not.toContain(token);
      expect(JSON.stringify(t.slack.calls)).not.toContain(token);
      expect(db).not.toContain(token);
    }
  });
});
