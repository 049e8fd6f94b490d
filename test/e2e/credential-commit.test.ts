import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateCredential, createValidationContext } from '../../src/providers/validate.js';
import { targetOf } from '../../src/services/probe-subject.js';
import { openModal, textOf } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const MIN = 60_000;
const ID = { id: '3', name: 'Jane Doe', email: 'jane@acme.com', username: 'jane' };

/**
 * A credential change has its consequences wherever it comes from: a caller of the commit service that
 * no transport knows about (a new entry point, as machine identities will be) gets the alert resolved in
 * place, the channel's confirmation and the deliveries without a line of its own.
 */
describe('the one commit path', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-11-28T09:00:00Z'));
  const old = 'glpat-CommitPathRevokedToken01';
  const fresh = 'glpat-CommitPathFreshToken012';

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      catalogue: (p) => `integrations:
  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }
`,
      env: { HEALTH_CHECK_INTERVAL_SECONDS: '900' },
    });
    t.providers.setToken(old, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { token: old }, { userId: OWNER });
    await vi.waitFor(async () =>
      expect((await t.deps.store.credentials.current('integration:gitlab'))?.fingerprints).toHaveLength(1),
    );
    t.providers.updateToken(old, { status: 'revoked' });
    clock.advance(16 * MIN);
    await t.deps.monitor.runDue();
  });
  afterAll(async () => t?.close());

  it('a commit from a caller no transport knows resolves the alert in place and confirms in the channel', async () => {
    const [alert] = await t.deps.store.alerts.listOpen();
    expect(alert?.messageTs).toBeTruthy();
    const integration = (await t.deps.store.integrations.findActive('gitlab'))!;
    t.providers.setToken(fresh, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
    const validation = await validateCredential(
      createValidationContext(targetOf(integration), t.deps.http, () => clock.now()),
      { identifier: undefined, tokens: [fresh] },
    );
    if (validation.outcome.kind !== 'valid') throw new Error(validation.outcome.reason);
    const confirmations = () =>
      t.slack.messages.filter(
        (m) => m.channel === ALERTS && !m.threadTs && m.ts !== alert?.messageTs && m.text.includes('re-authenticated'),
      );
    const before = confirmations().length;

    await t.deps.services.credentialCommit.commit({
      integration,
      actor: OWNER,
      payload: { kind: 'tokens', identifier: null, tokens: [fresh] },
      validation: { ...validation, outcome: validation.outcome },
      how: 'modal',
    });

    await expect
      .poll(() => t.slack.messages.find((m) => m.ts === alert?.messageTs)?.text ?? '')
      .toContain('is healthy again');
    await expect.poll(() => confirmations().length).toBe(before + 1);
    expect(textOf(confirmations().at(-1)?.blocks)).toContain(`<@${OWNER}>`);
    expect(await t.deps.store.alerts.listOpen()).toHaveLength(0);
  });
});
