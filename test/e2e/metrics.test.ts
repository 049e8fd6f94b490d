import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModal } from '../helpers/flows.js';
import { OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const TOKEN = 'glpat-MetricsValidToken012345';
const METRICS_TOKEN = 'metrics-scrape-token';

/** Scrapes /metrics with a real exposition parser after a re-authentication and a failing probe. */
describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      catalogue: (p) =>
        `integrations:\n  - { id: gitlab-main, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }\n`,
      env: { METRICS_TOKEN },
    });
    t.providers.setToken(TOKEN, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane Doe', username: 'jane' },
    });
  });
  afterAll(async () => t?.close());

  async function scrape() {
    const response = await fetch(`${t.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const families = parsePrometheusTextFormat(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) => {
      const family = families.find((f) => f.name === name);
      // The parser keeps a histogram's buckets but not its labels: its `+Inf` bucket is the count.
      const sample = family?.metrics.find(
        (m) =>
          (family.type === 'HISTOGRAM' && !m.labels) || Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
      );
      return Number(sample?.value ?? sample?.count ?? sample?.buckets?.['+Inf'] ?? Number.NaN);
    };
    return { families, value };
  }

  it('needs the token when METRICS_TOKEN is set', async () => {
    const anonymous = await fetch(`${t.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect((await fetch(`${t.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts re-authentications, probes, validation and probe latency, open alerts and Slack errors; process metrics too', async () => {
    const before = await scrape();
    expect(before.value('reauth_open_alerts')).toBe(0);
    expect(before.families.some((f) => f.name === 'process_cpu_user_seconds_total')).toBe(true);

    const call = await openModal(t, 'gitlab-main', { userId: OWNER });
    expect((await t.driver.submit(call.ref ?? '', { token: TOKEN }, { userId: OWNER })).json).toMatchObject({
      response_action: 'update',
    });
    const wrong = await openModal(t, 'gitlab-main', { userId: OWNER });
    await t.driver.submit(wrong.ref ?? '', { token: 'glpat-MetricsUnknownToken0123' }, { userId: OWNER });
    t.providers.updateToken(TOKEN, { status: 'revoked' });
    await t.deps.services.checkNow('gitlab-main', OWNER);
    t.slack.inject('views.open', { error: 'expired_trigger_id' });
    await t.driver.command('gitlab-main', { userId: OWNER });
    await expect
      .poll(async () =>
        (await scrape()).value('reauth_slack_api_errors_total', { method: 'views.open', code: 'expired_trigger_id' }),
      )
      .toBe(1);

    const after = await scrape();
    expect(after.value('reauth_reauthentications_total', { provider: 'gitlab', outcome: 'success' })).toBe(1);
    expect(after.value('reauth_reauthentications_total', { provider: 'gitlab', outcome: 'invalid_credentials' })).toBe(
      1,
    );
    expect(after.value('reauth_probes_total', { provider: 'gitlab', outcome: 'invalid_credentials' })).toBe(1);
    expect(after.families.find((f) => f.name === 'reauth_probe_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(after.value('reauth_probe_duration_seconds', { provider: 'gitlab' })).toBe(1);
    expect(after.value('reauth_validation_duration_seconds', { provider: 'gitlab' })).toBe(2);
    expect(after.value('reauth_open_alerts')).toBe(1);
    // Bounded labels: only these names, and never an integration id as a value.
    const reauthSamples = after.families.filter((f) => f.name.startsWith('reauth_')).flatMap((f) => f.metrics);
    expect(new Set(reauthSamples.flatMap((m) => Object.keys(m.labels ?? {})))).toEqual(
      new Set(['provider', 'outcome', 'method', 'code']),
    );
    expect(reauthSamples.flatMap((m) => Object.values(m.labels ?? {}))).not.toContain('gitlab-main');
  });

  it('the lines operators alert on carry a stable event field', () => {
    const events = new Set(t.logs.lines().map((line) => line.event));
    for (const event of ['reauth_succeeded', 'reauth_refused', 'alert_raised'])
      expect(events.has(event), event).toBe(true);
  });

  it('/livez answers while the process lives; /healthz is readiness', async () => {
    expect(await (await fetch(`${t.url}/livez`)).json()).toEqual({ status: 'alive' });
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});
