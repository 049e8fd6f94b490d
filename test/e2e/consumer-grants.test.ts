import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { ALERTS, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const OTHER = 'C0PLATFORM';
const INGEST = 'rct_GrantsIngestConsumerToken00000000001';
const SECOND = 'rct_GrantsSecondConsumerToken00000000001';

/**
 * Grants of `consumers:` at the first sync are the baseline — recorded and audited, never announced
 * (a first start would open every channel with one notice per integration); a later change is announced
 * once per channel per reload, listing what changed.
 */
describe('consumer grants: a baseline, then announced changes', () => {
  let t: TestApp;
  const catalogue = (baseUrl: (p: 'gitlab' | 'sonarqube') => string, consumers: string) => `integrations:
  - { id: gitlab-a, name: GitLab A, provider: gitlab, auth: pat, url: "${baseUrl('gitlab')}", channel: ${ALERTS}, owners: [${OWNER}] }
  - { id: gitlab-b, name: GitLab B, provider: gitlab, auth: pat, url: "${baseUrl('gitlab')}", channel: ${ALERTS}, owners: [${OWNER}] }
  - { id: sonar, name: Sonar, provider: sonarqube, auth: api_key, url: "${baseUrl('sonarqube')}", channel: ${OTHER}, owners: [${OWNER}] }
consumers:
${consumers}`;
  const ingest = (pattern: string) =>
    `  - { name: ingest, token_sha256: ${sha256Hex(INGEST)}, integrations: [${pattern}] }\n`;
  const second = `  - { name: second, token_sha256: ${sha256Hex(SECOND)}, integrations: ["gitlab-*"] }\n`;
  const notices = () => t.slack.messages.filter((m) => / may (now|no longer) read /.test(m.text));

  beforeAll(async () => {
    t = await startTestApp({ catalogue: (p) => catalogue((k) => p.baseUrl(k), ingest('"*"')) });
    t.slack.addChannel(OTHER, { name: 'platform' });
  });
  afterAll(async () => t?.close());

  it('a first start records the grants it finds, audited as the baseline, and posts nothing', async () => {
    expect(notices()).toEqual([]);
    for (const id of ['gitlab-a', 'gitlab-b', 'sonar'])
      expect((await t.deps.store.audit.list(id)).find((a) => a.action === 'consumer.granted')).toMatchObject({
        outcome: 'baseline',
        detail: { consumer: 'ingest' },
      });
    await t.restart();
    expect(notices()).toEqual([]);
  });

  it('a later change is announced once per channel per reload, listing what changed', async () => {
    writeFileSync(
      t.config.integrationsFile,
      catalogue((k) => t.providers.baseUrl(k), ingest('"gitlab-*"') + second),
    );
    expect(await t.deps.reloadConsumers()).toMatchObject({ ok: true, consumers: 2 });
    const posted = notices();
    expect(posted.map((m) => m.channel).sort()).toEqual([ALERTS, OTHER].sort());
    const alerts = posted.find((m) => m.channel === ALERTS)?.text ?? '';
    expect(alerts).toContain('second may now read GitLab A (gitlab-a)');
    expect(alerts).toContain('second may now read GitLab B (gitlab-b)');
    expect(posted.find((m) => m.channel === OTHER)?.text).toContain('ingest may no longer read Sonar (sonar)');
    expect((await t.deps.store.audit.list('gitlab-a')).find((a) => a.action === 'consumer.granted')).toMatchObject({
      outcome: 'granted',
      detail: { consumer: 'second' },
    });
    // Nothing changed since: a restart announces nothing again.
    await t.restart();
    expect(notices()).toHaveLength(2);
  });
});
