import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openModal, textOf } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const DAY = 86_400_000;

/**
 * Every way a rotation can fail, against the GitLab and SonarQube emulators: the current credential
 * stays in place wherever the provider still accepts it, the failure is retried at most once an hour,
 * and where the previous credential is gone (GitLab revokes it in the call) the alert says so at once.
 */
describe('a rotation that fails never breaks what works', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-12-02T09:00:00Z'));
  let n = 0;
  const integration = async (id: string) => {
    const found = await t.deps.store.integrations.findActive(id);
    if (!found) throw new Error(`no ${id}`);
    return found;
  };
  /** A fresh GitLab token expiring in two days (due), stored through the modal. */
  async function freshGitlab(
    extra: Parameters<TestApp['providers']['setToken']>[1] = { provider: 'gitlab' },
  ): Promise<string> {
    n += 1;
    const token = `glpat-RotationFailure${String(n).padStart(6, '0')}x`;
    t.providers.setToken(token, {
      scopes: ['api'],
      identity: { id: '9', name: 'Bot', username: 'bot' },
      expiresAt: new Date(clock.now().getTime() + 2 * DAY),
      ...extra,
      provider: 'gitlab',
    });
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    expect((await t.driver.submit(call.ref ?? '', { token }, { userId: OWNER })).text).not.toContain('"errors"');
    return token;
  }

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      fastPathMs: 2000,
      catalogue: (p) => `integrations:
  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", channel: ${ALERTS}, owners: [${OWNER}], rotate: true }
  - { id: sonar, name: SonarQube, provider: sonarqube, auth: api_key, url: "${p.baseUrl('sonarqube')}", channel: ${ALERTS}, owners: [${OWNER}], rotate: { before_days: 3, lifetime_days: 30 } }
`,
    });
  });
  beforeEach(() => clock.advance(2 * 60 * 60_000)); // past any earlier back-off
  afterAll(async () => t?.close());

  it('GitLab down (503): the current token keeps working, no alert, retried after an hour', async () => {
    const token = await freshGitlab();
    t.providers.setProviderDown('gitlab', true);
    const result = await t.deps.rotation.rotateIfDue(await integration('gitlab'));
    t.providers.setProviderDown('gitlab', false);
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('GitLab') });
    expect(t.providers.token(token)?.status).not.toBe('revoked');
    expect((await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:gitlab')).toBeUndefined();
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab')))?.status).toBe('backing_off');
    clock.advance(61 * 60_000);
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab')))?.status).toBe('rotated');
  });

  it('an answer without the new token, after GitLab revoked the caller: nothing stored, the integration fails at once with the alert', async () => {
    const token = await freshGitlab({ provider: 'gitlab', rotationFault: { answer: 'no_token' } });
    const before = await t.deps.store.credentials.current('integration:gitlab');
    const result = await t.deps.rotation.rotateIfDue(await integration('gitlab'));
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('held no new token') });
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.id).toBe(before?.id);
    expect(t.providers.token(token)?.status).toBe('revoked');
    expect((await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:gitlab')).toBeDefined();
    const alert = t.slack.messages.filter((m) => m.channel === ALERTS && m.text.includes('GitLab')).at(-1);
    expect(textOf(alert?.blocks)).toMatch(/Automatic rotation failed after GitLab revoked the previous token/);
    expect(JSON.stringify(alert?.blocks)).toContain('reauth_open');
  });

  it('a new credential that fails validation is never stored', async () => {
    await freshGitlab({ provider: 'gitlab', rotationFault: { successor: { quirk: 'gitlab_not_pat' } } });
    const before = await t.deps.store.credentials.current('integration:gitlab');
    const result = await t.deps.rotation.rotateIfDue(await integration('gitlab'));
    expect(result).toMatchObject({ status: 'failed', reason: expect.stringContaining('failed validation') });
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.id).toBe(before?.id);
  });

  it('SonarQube refusing to generate (403): the current token stays, and the reason says what it needs', async () => {
    const token = 'squ_rotationfailuresonar0000000000000000001';
    t.providers.setToken(token, {
      provider: 'sonarqube',
      identity: { id: 'ci', name: 'CI', username: 'ci' },
      expiresAt: new Date(clock.now().getTime() + 2 * DAY),
    });
    const call = await openModal(t, 'sonar', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { username: 'ci', token }, { userId: OWNER });
    t.providers.updateToken(token, { status: 'insufficient_scope' });
    const result = await t.deps.rotation.rotateIfDue(await integration('sonar'));
    expect(result).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/SonarQube refused to renew .*HTTP 403/),
    });
    expect((await t.deps.store.credentials.current('integration:sonar'))?.createdBy).toBe(OWNER);
    expect(t.providers.requests.filter((r) => r.path.endsWith('/api/user_tokens/revoke'))).toHaveLength(0);
  });

  it('a generated SonarQube token that fails validation is revoked again, and the current one stays', async () => {
    const token = 'squ_rotationfailuresonar0000000000000000002';
    t.providers.setToken(token, {
      provider: 'sonarqube',
      identity: { id: 'ci', name: 'CI', username: 'ci' },
      expiresAt: new Date(clock.now().getTime() + 2 * DAY),
      rotationFault: { successor: { quirk: 'sonar_anonymous' } },
    });
    const call = await openModal(t, 'sonar', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { username: 'ci', token }, { userId: OWNER });
    const result = await t.deps.rotation.rotateIfDue(await integration('sonar'));
    expect(result?.status).toBe('failed');
    const generated = new URLSearchParams(
      t.providers.requests.filter((r) => r.path.endsWith('/api/user_tokens/generate')).at(-1)?.body,
    ).get('name');
    expect(
      t.providers.requests
        .filter((r) => r.path.endsWith('/api/user_tokens/revoke'))
        .map((r) => new URLSearchParams(r.body).get('name')),
    ).toEqual([generated]);
    expect(t.providers.token(token)?.status).not.toBe('revoked');
    expect((await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:sonar')).toBeUndefined();
  });

  it('reusing a rotated GitLab token is refused, as GitLab treats it as a leak', async () => {
    const token = await freshGitlab();
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab')))?.status).toBe('rotated');
    const res = await fetch(`${t.providers.baseUrl('gitlab')}/api/v4/personal_access_tokens/self/rotate`, {
      method: 'POST',
      headers: { 'private-token': token },
    });
    expect(res.status).toBe(401);
    const successor = [...t.providers.requests]
      .reverse()
      .find((r) => r.path.endsWith('/api/v4/personal_access_tokens/self') && r.token !== token)?.token;
    expect(successor && t.providers.token(successor)?.status).toBe('revoked');
  });

  it("GitLab rate-limits the new token's first checks: the token it issued is kept (sealed), checked again, and committed — never thrown away", async () => {
    const token = await freshGitlab({
      provider: 'gitlab',
      rotationFault: { successor: { status: 'rate_limited', retryAfterSeconds: 30 } },
    });
    const before = await t.deps.store.credentials.current('integration:gitlab');
    const held = await t.deps.rotation.rotateIfDue(await integration('gitlab'));
    expect(held).toMatchObject({
      status: 'held',
      reason: expect.stringContaining('Reauth keeps it, sealed, and checks it again'),
    });
    expect(held && 'reason' in held ? held.reason : '').not.toContain('Nothing was changed');
    const issued = t.providers.token(token)?.rotatedTo ?? '';
    expect(t.providers.token(token)?.status).toBe('revoked');
    expect(t.providers.token(issued)?.status).toBe('rate_limited');
    // Kept with its attempt, sealed: never in plain text in the database.
    const attempt = t.deps.db.$client
      .prepare(
        "select sealed_answer, finished_at from rotation_attempts where integration_id = 'gitlab' order by id desc limit 1",
      )
      .get() as { sealed_answer: string | null; finished_at: number | null };
    expect(attempt.finished_at).toBeNull();
    expect(attempt.sealed_answer).toBeTruthy();
    expect(attempt.sealed_answer).not.toContain(issued);
    // Still rate limited 30 s later: kept again.
    clock.advance(31_000);
    expect(await t.deps.rotation.settleDue()).toBe(1);
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.id).toBe(before?.id);
    // GitLab answers again: the next check commits it, announced as a rotation.
    t.providers.updateToken(issued, { status: 'valid' });
    clock.advance(61_000);
    expect(await t.deps.rotation.settleDue()).toBe(1);
    const after = await t.deps.store.credentials.current('integration:gitlab');
    expect(after?.id).not.toBe(before?.id);
    expect(after?.createdBy).toBe('reauth');
    const pulled = (await t.deps.store.credentials.current('integration:gitlab'))?.sealedSecret;
    expect(pulled).toBeTruthy();
    expect(t.providers.requestsWith(issued).length).toBeGreaterThan(1);
    expect(
      (
        t.deps.db.$client
          .prepare(
            "select sealed_answer from rotation_attempts where integration_id = 'gitlab' order by id desc limit 1",
          )
          .get() as { sealed_answer: string | null }
      ).sealed_answer,
    ).toBeNull();
    expect(t.slack.messages.filter((m) => m.text.includes('GitLab rotated automatically')).length).toBeGreaterThan(0);
    expect((await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:gitlab')).toBeUndefined();
  });

  it('a held answer survives a restart: start-up settling checks it and commits it', async () => {
    const token = await freshGitlab({
      provider: 'gitlab',
      rotationFault: { successor: { status: 'server_error' } },
    });
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab')))?.status).toBe('held');
    const issued = t.providers.token(token)?.rotatedTo ?? '';
    t.providers.updateToken(issued, { status: 'valid' });
    await t.restart();
    const current = await t.deps.store.credentials.current('integration:gitlab');
    expect(current?.createdBy).toBe('reauth');
    expect(current?.fingerprints.join()).toContain(issued.slice(-4));
  });

  it("a held answer whose credential a person replaced meanwhile is closed as superseded: the person's credential stays", async () => {
    const token = await freshGitlab({
      provider: 'gitlab',
      rotationFault: { successor: { status: 'rate_limited', retryAfterSeconds: 30 } },
    });
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab')))?.status).toBe('held');
    const issued = t.providers.token(token)?.rotatedTo ?? '';
    // A person re-authenticates before the held token is checked again.
    await freshGitlab();
    const theirs = await t.deps.store.credentials.current('integration:gitlab');
    t.providers.updateToken(issued, { status: 'valid' });
    clock.advance(61_000);
    expect(await t.deps.rotation.settleDue()).toBe(1);
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.id).toBe(theirs?.id);
    expect(
      t.deps.db.$client
        .prepare(
          "select outcome, sealed_answer from rotation_attempts where integration_id = 'gitlab' order by id desc limit 1",
        )
        .get(),
    ).toEqual({ outcome: 'superseded', sealed_answer: null });
  });

  it('a probe that finds the revoked previous token checks the held answer first: committed, no alert', async () => {
    const token = await freshGitlab({
      provider: 'gitlab',
      rotationFault: { successor: { status: 'rate_limited', retryAfterSeconds: 300 } },
    });
    expect((await t.deps.rotation.rotateIfDue(await integration('gitlab')))?.status).toBe('held');
    const issued = t.providers.token(token)?.rotatedTo ?? '';
    // GitLab answers again before the held token's next scheduled check; a person presses Check now.
    t.providers.updateToken(issued, { status: 'valid' });
    const checked = await t.deps.services.checkNow('gitlab', OWNER, { ignoreRecentRejection: true });
    expect(checked.kind).not.toBe('denied');
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.fingerprints).toEqual([
      fingerprintSecret(issued),
    ]);
    expect((await t.deps.store.alerts.listOpen()).find((a) => a.alertKey === 'integration:gitlab')).toBeUndefined();
    expect((await t.deps.store.health.of('gitlab'))?.status).not.toBe('failing');
  });

  it('a rotation that throws after its attempt began never leaves it open: the next rotation is not "busy"', async () => {
    const first = 'squ_rotationfailuresonar0000000000000000003';
    t.providers.setToken(first, {
      provider: 'sonarqube',
      identity: { id: 'ci', name: 'CI', username: 'ci' },
      expiresAt: new Date(clock.now().getTime() + 2 * DAY),
    });
    const call = await openModal(t, 'sonar', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { username: 'ci', token: first }, { userId: OWNER });
    expect(await t.deps.rotation.rotateIfDue(await integration('sonar'))).toMatchObject({ status: 'rotated' });
    // The next rotation's commit fails inside the database (its revocation queue is gone for a moment).
    clock.advance(40 * DAY);
    t.deps.db.$client.exec('alter table token_revocations rename to token_revocations_away');
    const failed = await t.deps.rotation.rotate(await integration('sonar'), { requestedBy: 'cli', force: true }).then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    t.deps.db.$client.exec('alter table token_revocations_away rename to token_revocations');
    expect(failed).toMatch(/token_revocations/);
    const generated = t.providers.requests.filter((r) => r.path.endsWith('/api/user_tokens/generate')).length;
    const again = await t.deps.rotation.rotate(await integration('sonar'), { requestedBy: 'cli', force: true });
    expect(again).toMatchObject({ status: 'rotated' });
    // The token SonarQube issued in the attempt that failed is the one committed: nothing generated twice.
    expect(t.providers.requests.filter((r) => r.path.endsWith('/api/user_tokens/generate')).length).toBe(generated);
    expect(
      t.deps.db.$client.prepare('select count(*) n from rotation_attempts where finished_at is null').get(),
    ).toEqual({ n: 0 });
  });
});
