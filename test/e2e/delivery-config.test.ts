import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose, StartupError } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { captureLogger } from '../helpers/capture-log.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';

/** A sink that cannot work stops start-up, naming the entry and the field; a glob that matches nothing is a warning. */
describe('delivery configuration at start-up', () => {
  async function start(catalogue: string, env: Record<string, string> = {}) {
    const dir = tempDir();
    writeFileSync(join(dir.path, 'integrations.yml'), catalogue);
    const parsed = parseConfig(
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        DATABASE_PATH: join(dir.path, 'reauth.db'),
        INTEGRATIONS_FILE: join(dir.path, 'integrations.yml'),
        REAUTH_SECRET_KEY: newKeyText(),
        PORT: '3999',
        ...env,
      },
      { slack: true, secretKey: true },
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const logs = captureLogger('debug');
    try {
      const composition = await compose(parsed.config, logs.logger);
      // Composed means start-up passed every check; the app itself is not started (no Slack here).
      await composition.http.close();
      await composition.store.close();
      return { error: undefined, logs };
    } catch (error) {
      return { error: error as Error, logs };
    } finally {
      dir.cleanup();
    }
  }
  const entry =
    'integrations:\n  - id: jira-acme\n    provider: jira\n    auth: api_key\n    url: https://acme.atlassian.net\n    deliver:\n';

  it('an unset secret_env and a vault sink without VAULT_ADDR stop start-up with entry and field', async () => {
    const { error } = await start(
      `${entry}      - webhook: https://insights.example/hooks\n        secret_env: INSIGHTS_WEBHOOK_SECRET\n      - vault: secret/data/insights/jira-acme\n`,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect(error?.message).toContain(
      'integration "jira-acme": deliver[0].secret_env: INSIGHTS_WEBHOOK_SECRET is not set',
    );
    expect(error?.message).toContain(
      'integration "jira-acme": deliver[1].vault: VAULT_ADDR and VAULT_TOKEN must be set for vault sinks.',
    );
  });

  it('an unknown sink kind and http:// to another host stop start-up too', async () => {
    const { error } = await start(
      `${entry}      - s3: bucket/key\n      - webhook: http://insights.example/hooks\n        secret_env: S\n`,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect(error?.message).toMatch(/integrations\[0\] \(id "jira-acme"\): deliver\[0\]: unknown sink kind "s3"/);
    expect(error?.message).toMatch(/deliver\[1\]\.webhook: "http:\/\/insights\.example\/hooks" uses http:\/\//);
  });

  it('a consumer glob that matches nothing is logged as a warning, and start-up goes on', async () => {
    const { error, logs } = await start(
      `integrations: []\nconsumers:\n  - { name: ingest, token_sha256: ${'b'.repeat(64)}, integrations: ["gitlab-*"] }\n`,
    );
    expect(error).toBeUndefined();
    expect(
      logs
        .lines()
        .some((l) => l.event === 'catalogue_warning' && String(l.msg).includes('"gitlab-*" matches no integration')),
    ).toBe(true);
  });
});
