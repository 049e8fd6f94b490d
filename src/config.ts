import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type * as z from 'zod';
import { applyRule } from './rules.js';
import type { SecretEntry } from './domain/secret-entry.js';
import { envRule, KEY_COMMAND, type LOG_LEVELS } from './env-rules.js';

/** The single reader of process.env (and of `.env`). Everything else receives a Config. */

export { KEY_COMMAND };

export type LogLevel = (typeof LOG_LEVELS)[number];
export type { SecretEntry };

export interface OAuthClientConfig {
  clientId: string;
  clientSecret: string;
}

export interface Config {
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string | undefined;
  };
  port: number;
  publicUrl: string;
  databasePath: string;
  /** `postgres://…`: PostgreSQL instead of the SQLite file (several replicas may share it). */
  databaseUrl: string | undefined;
  secretKey: Buffer | undefined;
  previousKeys: readonly Buffer[];
  integrationsFile: string;
  admins: readonly string[];
  defaultAlertChannel: string | undefined;
  healthCheckIntervalSeconds: number;
  healthWebhookSecret: string | undefined;
  reminderIntervalHours: number;
  /** Audit rows older than this many days are deleted by a daily sweep; 0 keeps every row. */
  auditRetentionDays: number;
  /** Set when both client id and secret are; the URLs carry their defaults. */
  bitbucketOAuth: (OAuthClientConfig & { url: string }) | undefined;
  /** BITBUCKET_OAUTH_URL, with or without Reauth's own OAuth client (a consumer's client credentials use it too). */
  bitbucketOAuthUrl: string;
  azureOAuth: (OAuthClientConfig & { tenant: string; authority: string }) | undefined;
  logLevel: LogLevel;
  /** Where people type new secrets: the modal (`slack`), Reauth's one-time page (`web`), or `both`. */
  secretEntry: SecretEntry;
  /** When set, GET /metrics requires `Authorization: Bearer <it>`. */
  metricsToken: string | undefined;
  /** HashiCorp Vault for `vault` delivery sinks: set when VAULT_ADDR and VAULT_TOKEN are. */
  vault: { addr: string; token: string; namespace: string | undefined } | undefined;
  /** A variable by name, for what integrations.yml names (a webhook sink's `secret_env`). */
  secretFromEnv(name: string): string | undefined;
}

/** What the caller is about to do decides which variables must be present. */
export interface ConfigNeeds {
  slack?: boolean;
  secretKey?: boolean;
}

/** A valid configuration may still come with warnings worth logging at start. */
export type ConfigResult = { ok: true; config: Config; warnings: string[] } | { ok: false; problems: string[] };

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * process.env over `.env` in the working directory (process.env wins). Parsed by Node's own
 * `util.parseEnv` (https://nodejs.org/api/util.html#utilparseenvcontent): KEY=value lines, quotes,
 * comments and `export` prefixes, as dotenv reads them.
 */
export function readEnvironment(cwd: string = process.cwd()): Environment {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

export function parseConfig(env: Environment, needs: ConfigNeeds = {}): ConfigResult {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };

  /** A variable's value through its rule (src/env-rules.ts), or its problem reported under its name. */
  const checked = <T>(name: string, rule: z.ZodType<T, string>, raw: string): T | undefined => {
    const result = applyRule(rule, raw);
    if (result.ok) return result.value;
    problems.push(`${name}: ${result.problem}`);
    return undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    return raw === undefined ? fallback : (checked(name, envRule.wholeNumber(min, max), raw) ?? fallback);
  };
  const url = (name: string, fallback: string | undefined, opts: { trailingSlash?: boolean } = {}) => {
    const raw = value(name) ?? fallback;
    if (raw === undefined || checked(name, envRule.secureUrl(opts), raw) === undefined) return undefined;
    return raw.replace(/\/+$/, opts.trailingSlash ? '/' : '');
  };
  const key = (name: string, raw: string): Buffer | undefined => checked(name, envRule.key, raw);

  // Slack
  const botToken = value('SLACK_BOT_TOKEN');
  const signingSecret = value('SLACK_SIGNING_SECRET');
  const appToken = value('SLACK_APP_TOKEN');
  if (needs.slack) {
    if (!botToken) {
      problems.push(
        "SLACK_BOT_TOKEN: required. Copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page.",
      );
    }
    if (!appToken && !signingSecret) {
      problems.push(
        "SLACK_SIGNING_SECRET: required in HTTP mode. Copy it from your Slack app's Basic Information page (or set SLACK_APP_TOKEN for Socket Mode).",
      );
    }
  }
  if (botToken) checked('SLACK_BOT_TOKEN', envRule.botToken, botToken);
  if (appToken) checked('SLACK_APP_TOKEN', envRule.appToken, appToken);
  const apiUrl = url('SLACK_API_URL', undefined, { trailingSlash: true });

  const port = integer('PORT', 3000, 0, 65535);
  const publicUrl = url('PUBLIC_URL', `http://localhost:${port}`) ?? `http://localhost:${port}`;

  // Keys
  const rawKey = value('REAUTH_SECRET_KEY');
  const secretKey = rawKey ? key('REAUTH_SECRET_KEY', rawKey) : undefined;
  if (!rawKey && needs.secretKey) {
    problems.push(`REAUTH_SECRET_KEY: required; it seals stored credentials. Make one with: ${KEY_COMMAND}`);
  }
  const previousKeys: Buffer[] = [];
  (value('REAUTH_PREVIOUS_KEYS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .forEach((k, i) => {
      const parsed = key(`REAUTH_PREVIOUS_KEYS (item ${i + 1})`, k);
      if (parsed) previousKeys.push(parsed);
    });

  // People and channels
  const admins = (value('REAUTH_ADMINS') ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const admin of admins) checked('REAUTH_ADMINS', envRule.admin, admin);
  const defaultAlertChannel = value('DEFAULT_ALERT_CHANNEL');
  if (defaultAlertChannel) checked('DEFAULT_ALERT_CHANNEL', envRule.channel, defaultAlertChannel);

  const warnings: string[] = [];
  const healthCheckIntervalSeconds = integer('HEALTH_CHECK_INTERVAL_SECONDS', 900, 0, 7 * 24 * 3600);
  if (healthCheckIntervalSeconds > 0 && healthCheckIntervalSeconds < 30) {
    warnings.push(
      `HEALTH_CHECK_INTERVAL_SECONDS: ${healthCheckIntervalSeconds} s probes every credential every ${healthCheckIntervalSeconds} seconds; fine for a demo or a test, but providers rate-limit and lock accounts: use 300 or more in production.`,
    );
  }
  const reminderIntervalHours = integer('REMINDER_INTERVAL_HOURS', 24, 0, 24 * 30);
  const auditRetentionDays = integer('AUDIT_RETENTION_DAYS', 400, 0, 100 * 365);

  const bitbucketOAuthUrl = url('BITBUCKET_OAUTH_URL', 'https://bitbucket.org') ?? 'https://bitbucket.org';
  const azureOAuthAuthority =
    url('AZURE_OAUTH_AUTHORITY', 'https://login.microsoftonline.com') ?? 'https://login.microsoftonline.com';
  const azureOAuthTenant = value('AZURE_OAUTH_TENANT') ?? 'organizations';
  checked('AZURE_OAUTH_TENANT', envRule.azureTenant, azureOAuthTenant);

  const pair = (idName: string, secretName: string): OAuthClientConfig | undefined => {
    const clientId = value(idName);
    const clientSecret = value(secretName);
    if (clientId && clientSecret) return { clientId, clientSecret };
    if (clientId || clientSecret) {
      problems.push(
        `${clientId ? secretName : idName}: set together with ${clientId ? idName : secretName}, or leave both empty.`,
      );
    }
    return undefined;
  };
  const bitbucketClient = pair('BITBUCKET_OAUTH_CLIENT_ID', 'BITBUCKET_OAUTH_CLIENT_SECRET');
  const azureClient = pair('AZURE_OAUTH_CLIENT_ID', 'AZURE_OAUTH_CLIENT_SECRET');

  const logLevel = checked('LOG_LEVEL', envRule.logLevel, (value('LOG_LEVEL') ?? 'info').toLowerCase()) ?? 'info';
  const secretEntry =
    checked('SECRET_ENTRY', envRule.secretEntry, (value('SECRET_ENTRY') ?? 'both').toLowerCase()) ?? 'both';

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined) checked('DATABASE_URL', envRule.databaseUrl, databaseUrl);
  const vaultAddr = url('VAULT_ADDR', undefined);
  const vaultToken = value('VAULT_TOKEN');
  if (vaultAddr && !vaultToken)
    problems.push(
      "VAULT_TOKEN: required with VAULT_ADDR (a Vault token allowed to read, create and update the vault sinks' paths).",
    );

  if (problems.length > 0) return { ok: false, problems };

  const config: Config = {
    slack: { botToken, signingSecret, appToken, apiUrl },
    port,
    publicUrl,
    databasePath: value('DATABASE_PATH') ?? './data/reauth.db',
    databaseUrl,
    secretKey,
    previousKeys,
    integrationsFile: value('INTEGRATIONS_FILE') ?? './integrations.yml',
    admins,
    defaultAlertChannel,
    healthCheckIntervalSeconds,
    healthWebhookSecret: value('HEALTH_WEBHOOK_SECRET'),
    reminderIntervalHours,
    auditRetentionDays,
    bitbucketOAuth: bitbucketClient && { ...bitbucketClient, url: bitbucketOAuthUrl },
    bitbucketOAuthUrl,
    azureOAuth: azureClient && { ...azureClient, tenant: azureOAuthTenant, authority: azureOAuthAuthority },
    logLevel,
    secretEntry,
    metricsToken: value('METRICS_TOKEN'),
    vault:
      vaultAddr && vaultToken ? { addr: vaultAddr, token: vaultToken, namespace: value('VAULT_NAMESPACE') } : undefined,
    secretFromEnv: (name) => env[name],
  };
  return { ok: true, config: Object.freeze(config), warnings };
}

/** One message listing every problem, for start-up and the CLI. */
export function formatConfigProblems(problems: readonly string[]): string {
  return [`Reauth cannot start: ${problems.length} configuration problem(s):`, ...problems.map((p) => `  - ${p}`)].join(
    '\n',
  );
}
