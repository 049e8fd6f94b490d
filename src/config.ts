import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { SLACK_CHANNEL_ID, SLACK_USER_OR_GROUP_ID, transportProblem } from './domain/addresses.js';

/** The single reader of process.env (and of `.env`). Everything else receives a Config. */

export const KEY_COMMAND = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
/** Where people type new secrets (docs/configuration.md). */
export type SecretEntry = 'slack' | 'web' | 'both';
const SECRET_ENTRIES: readonly SecretEntry[] = ['slack', 'web', 'both'];

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
  /** Set when both client id and secret are; the URLs carry their defaults. */
  bitbucketOAuth: (OAuthClientConfig & { url: string }) | undefined;
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

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}: "${raw}" is not a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return Number(raw);
  };

  const url = (name: string, fallback: string | undefined, opts: { trailingSlash?: boolean } = {}) => {
    const raw = value(name) ?? fallback;
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name}: "${raw}" is not a URL; write it like https://example.com.`);
      return undefined;
    }
    if (transportProblem(parsed)) {
      problems.push(`${name}: must use https:// (http:// is allowed only for localhost, 127.0.0.1 or ::1).`);
      return undefined;
    }
    if (opts.trailingSlash && !raw.endsWith('/')) {
      problems.push(`${name}: must end with "/" (for example https://slack.com/api/).`);
      return undefined;
    }
    return raw.replace(/\/+$/, opts.trailingSlash ? '/' : '');
  };

  const key = (name: string, raw: string): Buffer | undefined => {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
    if (bytes.length !== 32) {
      problems.push(`${name}: must be 32 random bytes in base64 (44 characters). Make one with: ${KEY_COMMAND}`);
      return undefined;
    }
    return bytes;
  };

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
  if (botToken && !botToken.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN: must be a bot token starting with xoxb- (not a user or app token).');
  }
  if (appToken && !appToken.startsWith('xapp-')) {
    problems.push(
      'SLACK_APP_TOKEN: must be an app-level token starting with xapp- (with connections:write), or be left empty for HTTP mode.',
    );
  }
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
  for (const admin of admins) {
    if (!SLACK_USER_OR_GROUP_ID.test(admin)) {
      problems.push(
        `REAUTH_ADMINS: "${admin}" is not a Slack user id (U…/W…) or user-group id (S…). Use ids, not names.`,
      );
    }
  }
  const defaultAlertChannel = value('DEFAULT_ALERT_CHANNEL');
  if (defaultAlertChannel && !SLACK_CHANNEL_ID.test(defaultAlertChannel)) {
    problems.push(
      `DEFAULT_ALERT_CHANNEL: "${defaultAlertChannel}" is not a channel id (C…/G…). Use the id from the channel's details, not its name.`,
    );
  }

  const warnings: string[] = [];
  const healthCheckIntervalSeconds = integer('HEALTH_CHECK_INTERVAL_SECONDS', 900, 0, 7 * 24 * 3600);
  if (healthCheckIntervalSeconds > 0 && healthCheckIntervalSeconds < 30) {
    warnings.push(
      `HEALTH_CHECK_INTERVAL_SECONDS: ${healthCheckIntervalSeconds} s probes every credential every ${healthCheckIntervalSeconds} seconds; fine for a demo or a test, but providers rate-limit and lock accounts: use 300 or more in production.`,
    );
  }
  const reminderIntervalHours = integer('REMINDER_INTERVAL_HOURS', 24, 0, 24 * 30);

  const bitbucketOAuthUrl = url('BITBUCKET_OAUTH_URL', 'https://bitbucket.org') ?? 'https://bitbucket.org';
  const azureOAuthAuthority =
    url('AZURE_OAUTH_AUTHORITY', 'https://login.microsoftonline.com') ?? 'https://login.microsoftonline.com';
  const azureOAuthTenant = value('AZURE_OAUTH_TENANT') ?? 'organizations';
  if (!/^[A-Za-z0-9.-]+$/.test(azureOAuthTenant)) {
    problems.push('AZURE_OAUTH_TENANT: must be a tenant id, a domain, "organizations" or "common".');
  }

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

  const logLevel = (value('LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL: "${value('LOG_LEVEL')}" is not one of ${LOG_LEVELS.join(', ')}.`);
  }

  const secretEntry = (value('SECRET_ENTRY') ?? 'both').toLowerCase() as SecretEntry;
  if (!SECRET_ENTRIES.includes(secretEntry)) {
    problems.push(
      `SECRET_ENTRY: "${value('SECRET_ENTRY')}" is not one of ${SECRET_ENTRIES.join(', ')} (slack: the modal's inputs only; web: a one-time page of Reauth's own only; both: either).`,
    );
  }

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./.test(databaseUrl)) {
    problems.push(
      'DATABASE_URL: must be a PostgreSQL URL, postgres://user:password@host:5432/database (add ?sslmode=verify-full&sslrootcert=<ca.pem> for verified TLS); leave it unset to use the SQLite file at DATABASE_PATH.',
    );
  }
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
    bitbucketOAuth: bitbucketClient && { ...bitbucketClient, url: bitbucketOAuthUrl },
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
