import { describe, expect, it } from 'vitest';
import { formatConfigProblems, KEY_COMMAND, parseConfig, readEnvironment } from '../../src/config.js';
import { newKeyText } from '../helpers/keys.js';
import { tempDir } from '../helpers/db.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'signing',
  REAUTH_SECRET_KEY: newKeyText(),
};

function problemsOf(env: Record<string, string>, needs = { slack: true, secretKey: true }) {
  const result = parseConfig(env, needs);
  return result.ok ? [] : result.problems;
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const result = parseConfig(valid, { slack: true, secretKey: true });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.databasePath).toBe('./data/reauth.db');
    expect(c.integrationsFile).toBe('./integrations.yml');
    expect(c.healthCheckIntervalSeconds).toBe(900);
    expect(c.reminderIntervalHours).toBe(24);
    expect(c.bitbucketOAuth).toBeUndefined();
    expect(c.azureOAuth).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.secretKey?.length).toBe(32);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every missing required variable at once, each with its fix', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/SLACK_BOT_TOKEN: required/);
    expect(problems.join('\n')).toMatch(/SLACK_SIGNING_SECRET: required in HTTP mode/);
    expect(problems.join('\n')).toContain(
      `REAUTH_SECRET_KEY: required; it seals stored credentials. Make one with: ${KEY_COMMAND}`,
    );
  });

  it('gives OAuth clients their default endpoints', () => {
    const result = parseConfig({
      ...valid,
      BITBUCKET_OAUTH_CLIENT_ID: 'a',
      BITBUCKET_OAUTH_CLIENT_SECRET: 'b',
      AZURE_OAUTH_CLIENT_ID: 'c',
      AZURE_OAUTH_CLIENT_SECRET: 'd',
    });
    if (!result.ok) throw new Error(result.problems.join());
    expect(result.config.bitbucketOAuth).toEqual({ clientId: 'a', clientSecret: 'b', url: 'https://bitbucket.org' });
    expect(result.config.azureOAuth).toEqual({
      clientId: 'c',
      clientSecret: 'd',
      tenant: 'organizations',
      authority: 'https://login.microsoftonline.com',
    });
  });

  it('does not require Slack or the key for commands that do not need them', () => {
    expect(parseConfig({}, {}).ok).toBe(true);
  });

  it('Socket Mode needs no signing secret', () => {
    expect(problemsOf({ ...valid, SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-1-A-1-x' })).toEqual([]);
  });

  it.each([
    ['SLACK_BOT_TOKEN', 'xoxp-user', /SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/],
    ['SLACK_APP_TOKEN', 'xoxb-wrong', /SLACK_APP_TOKEN: must be an app-level token starting with xapp-/],
    ['SLACK_API_URL', 'https://slack.example/api', /SLACK_API_URL: must end with "\/"/],
    ['SLACK_API_URL', 'http://slack.example/api/', /SLACK_API_URL: must use https:\/\//],
    ['PORT', 'eighty', /PORT: "eighty" is not a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT: "70000" is not a whole number/],
    ['PUBLIC_URL', 'not a url', /PUBLIC_URL: "not a url" is not a URL/],
    ['REAUTH_SECRET_KEY', 'c2hvcnQ=', /REAUTH_SECRET_KEY: must be 32 random bytes in base64 .* Make one with: node -e/],
    ['REAUTH_PREVIOUS_KEYS', `${newKeyText()},oops`, /REAUTH_PREVIOUS_KEYS \(item 2\): must be 32 random bytes/],
    ['REAUTH_ADMINS', 'U123ABC,alice', /REAUTH_ADMINS: "alice" is not a Slack user id/],
    ['DEFAULT_ALERT_CHANNEL', '#alerts', /DEFAULT_ALERT_CHANNEL: "#alerts" is not a channel id/],
    ['HEALTH_CHECK_INTERVAL_SECONDS', '-5', /HEALTH_CHECK_INTERVAL_SECONDS: "-5" is not a whole number/],
    ['REMINDER_INTERVAL_HOURS', '1.5', /REMINDER_INTERVAL_HOURS: "1.5" is not a whole number/],
    ['AUDIT_RETENTION_DAYS', '-1', /AUDIT_RETENTION_DAYS: "-1" is not a whole number/],
    ['BITBUCKET_OAUTH_CLIENT_ID', 'abc', /BITBUCKET_OAUTH_CLIENT_SECRET: set together with BITBUCKET_OAUTH_CLIENT_ID/],
    ['BITBUCKET_OAUTH_URL', 'http://bitbucket.org', /BITBUCKET_OAUTH_URL: must use https:\/\//],
    ['AZURE_OAUTH_CLIENT_SECRET', 's', /AZURE_OAUTH_CLIENT_ID: set together with AZURE_OAUTH_CLIENT_SECRET/],
    ['AZURE_OAUTH_TENANT', 'a/b', /AZURE_OAUTH_TENANT: must be a tenant id/],
    ['AZURE_OAUTH_AUTHORITY', 'ftp://login', /AZURE_OAUTH_AUTHORITY: must use https:\/\//],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: "loud" is not one of/],
    ['VAULT_ADDR', 'https://root:hunter2@vault.example', /VAULT_ADDR: must not contain a user name or password/],
    ['SECRET_ENTRY', 'email', /SECRET_ENTRY: "email" is not one of slack, web, both/],
  ])('%s=%s is refused with a message naming it', (name, value, message) => {
    const problems = problemsOf({ ...valid, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('accepts any positive probe interval; one under 30 seconds comes with a warning, for demos and tests', () => {
    const fast = parseConfig({ ...valid, HEALTH_CHECK_INTERVAL_SECONDS: '2' });
    expect(fast.ok && fast.config.healthCheckIntervalSeconds).toBe(2);
    expect(fast.ok && fast.warnings).toEqual([
      expect.stringMatching(/^HEALTH_CHECK_INTERVAL_SECONDS: 2 s probes every credential every 2 seconds/),
    ]);
    const usual = parseConfig({ ...valid, HEALTH_CHECK_INTERVAL_SECONDS: '900' });
    expect(usual.ok && usual.warnings).toEqual([]);
  });

  it('accepts loopback http URLs and a full set of values', () => {
    const result = parseConfig(
      {
        ...valid,
        SLACK_API_URL: 'http://127.0.0.1:4000/api/',
        PORT: '0',
        PUBLIC_URL: 'https://reauth.example.com/',
        DATABASE_PATH: '/tmp/x.db',
        REAUTH_PREVIOUS_KEYS: `${newKeyText()}, ${newKeyText()}`,
        REAUTH_ADMINS: 'U01, S02TEAM',
        DEFAULT_ALERT_CHANNEL: 'C0ALERTS',
        HEALTH_CHECK_INTERVAL_SECONDS: '0',
        HEALTH_WEBHOOK_SECRET: 'whs',
        REMINDER_INTERVAL_HOURS: '0',
        AUDIT_RETENTION_DAYS: '0',
        BITBUCKET_OAUTH_CLIENT_ID: 'id',
        BITBUCKET_OAUTH_CLIENT_SECRET: 'secret',
        BITBUCKET_OAUTH_URL: 'http://localhost:5000',
        AZURE_OAUTH_CLIENT_ID: 'aid',
        AZURE_OAUTH_CLIENT_SECRET: 'asecret',
        AZURE_OAUTH_TENANT: 'contoso.onmicrosoft.com',
        AZURE_OAUTH_AUTHORITY: 'http://[::1]:5001',
        LOG_LEVEL: 'DEBUG',
      },
      { slack: true, secretKey: true },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.slack.apiUrl).toBe('http://127.0.0.1:4000/api/');
    expect(result.config.publicUrl).toBe('https://reauth.example.com');
    expect(result.config.previousKeys).toHaveLength(2);
    expect(result.config.admins).toEqual(['U01', 'S02TEAM']);
    expect(result.config.bitbucketOAuth).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      url: 'http://localhost:5000',
    });
    expect(result.config.azureOAuth?.tenant).toBe('contoso.onmicrosoft.com');
    expect(result.config.logLevel).toBe('debug');
    expect(result.config.healthCheckIntervalSeconds).toBe(0);
    expect(result.config.auditRetentionDays).toBe(0);
  });

  it('formats problems as one message', () => {
    expect(formatConfigProblems(['A: x', 'B: y'])).toBe(
      'Reauth cannot start: 2 configuration problem(s):\n  - A: x\n  - B: y',
    );
  });

  it('reads .env from the working directory, with the process environment taking precedence', () => {
    const dir = tempDir();
    try {
      writeFileSync(
        join(dir.path, '.env'),
        '# a comment\nREAUTH_TEST_ONLY_A=from-file\nREAUTH_TEST_QUOTED="two words"\nexport REAUTH_TEST_EXPORTED=3\nPATH=from-file\n',
      );
      const env = readEnvironment(dir.path);
      expect(env.REAUTH_TEST_ONLY_A).toBe('from-file');
      expect(env.REAUTH_TEST_QUOTED).toBe('two words');
      expect(env.REAUTH_TEST_EXPORTED).toBe('3');
      expect(env.PATH).not.toBe('from-file');
    } finally {
      dir.cleanup();
    }
  });
});
