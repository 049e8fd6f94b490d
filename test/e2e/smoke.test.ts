import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from '../helpers/start-app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      catalogue: (p) =>
        `integrations:\n  - { id: gitlab-acme, name: GitLab Acme, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }\n`,
    });
  });
  afterAll(async () => t?.close());

  it('healthz and help', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const help = await t.driver.command('help', { userId: ADMIN });
    expect(help.status).toBe(200);
    expect(help.text).toContain('How to use /reauth');
  });

  it('the health webhook is off until HEALTH_WEBHOOK_SECRET is set, and says so', async () => {
    const response = await fetch(`${t.url}/webhooks/health`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'disabled',
      message: 'The health webhook is off: set HEALTH_WEBHOOK_SECRET to enable it.',
    });
  });

  it('opens the modal and stores a valid token', async () => {
    const opened = await t.driver.command('gitlab-acme', { userId: ADMIN });
    expect(opened.status).toBe(200);
    await expect.poll(() => t.slack.callsOf('views.open').length).toBe(1);
    const call = t.slack.callsOf('views.open')[0];
    expect(call?.ok).toBe(true);
    t.providers.setToken('glpat-SmokeValid0123456789', {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane' },
    });
    const submitted = await t.driver.submit(
      call?.ref ?? '',
      { token: 'glpat-SmokeValid0123456789' },
      { userId: ADMIN },
    );
    expect(submitted.status).toBe(200);
    expect(submitted.json).toMatchObject({ response_action: 'update' });
  });
});
