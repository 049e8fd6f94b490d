import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compose, type Composition } from '../compose.js';
import { parseConfig, type LogLevel } from '../config.js';
import { createLogger } from '../logger.js';
import { createValidationContext, validateCredential } from '../providers/validate.js';
import { targetOf } from '../services/probe-subject.js';
import { DEMO_CHANNEL, DEMO_ROWS, DEMO_USER, demoCatalogue, seedDemoTokens, type MachineSecrets } from './demo.js';
import { startProviderEmulator, type ProviderEmulator } from './providers/emulator.js';
import { sandboxRoutes } from './routes.js';
import { seedMachineIdentity } from './seed-machine.js';
import { startSandboxDelivery, type SandboxDelivery } from './sinks/sandbox-delivery.js';
import { createSlackDriver } from './slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from './slack/emulator.js';

export interface Sandbox {
  url: string;
  app: Composition;
  slack: SlackEmulator;
  providers: ProviderEmulator;
  /** The webhook receiver, Vault emulator, file and consumer token the demo delivers to. */
  delivery: SandboxDelivery;
  /** The machine identities' root secrets made at start: held by Reauth, and fresh ones to paste. */
  machineSecrets: MachineSecrets;
  close(): Promise<void>;
}

/**
 * Starts the real Reauth (same app, listeners and services as production) against the loopback
 * emulators, with a demo catalogue, a generated key and a database under `dataDir`.
 */
export async function startSandbox(options: {
  dataDir: string;
  port: number;
  logLevel?: LogLevel;
  healthCheckSeconds?: number /** SECRET_ENTRY: slack, web or both (the default). */;
  secretEntry?: string;
}): Promise<Sandbox> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const providers = await startProviderEmulator();
  const machineSecrets = seedDemoTokens(providers);
  const botToken = `xoxb-sandbox-${randomBytes(8).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await startSlackEmulator({ botToken });
  slack.addUser(DEMO_USER.id, { name: DEMO_USER.name, realName: DEMO_USER.realName });
  slack.addChannel(DEMO_CHANNEL.id, { name: DEMO_CHANNEL.name });
  const delivery = await startSandboxDelivery(dataDir);

  // Every run starts clean: a new key is generated, so an older database could not be opened anyway.
  const databasePath = join(dataDir, 'reauth.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${databasePath}${suffix}`, { force: true });
  const catalogue = join(dataDir, 'integrations.yml');
  for (const id of delivery.ids) rmSync(delivery.filePathOf(id), { force: true });
  writeFileSync(catalogue, demoCatalogue(providers, delivery));
  const parsed = parseConfig(
    {
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(options.port),
      PUBLIC_URL: `http://127.0.0.1:${options.port}`,
      DATABASE_PATH: databasePath,
      REAUTH_SECRET_KEY: randomBytes(32).toString('base64'),
      INTEGRATIONS_FILE: catalogue,
      REAUTH_ADMINS: DEMO_USER.id,
      DEFAULT_ALERT_CHANNEL: DEMO_CHANNEL.id,
      HEALTH_CHECK_INTERVAL_SECONDS: String(options.healthCheckSeconds ?? 120),
      HEALTH_WEBHOOK_SECRET: 'sandbox-webhook-secret',
      REMINDER_INTERVAL_HOURS: '24',
      BITBUCKET_OAUTH_CLIENT_ID: 'sandbox-bitbucket',
      BITBUCKET_OAUTH_CLIENT_SECRET: 'sandbox-bitbucket-secret',
      BITBUCKET_OAUTH_URL: providers.bitbucketOAuthUrl,
      AZURE_OAUTH_CLIENT_ID: 'sandbox-entra',
      AZURE_OAUTH_CLIENT_SECRET: 'sandbox-entra-secret',
      AZURE_OAUTH_AUTHORITY: providers.azureAuthority,
      LOG_LEVEL: options.logLevel ?? 'warn',
      // Where people type secrets: `SECRET_ENTRY=web npm run sandbox` keeps every token out of the (emulated) Slack.
      SECRET_ENTRY: options.secretEntry ?? 'both',
      ...delivery.env,
    },
    { slack: true, secretKey: true },
  );
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const config = parsed.config;
  const url = `http://127.0.0.1:${options.port}`;
  const driver = createSlackDriver({ appUrl: url, signingSecret, slack });
  const app = await compose(config, createLogger({ level: config.logLevel }), {
    app: {
      host: '127.0.0.1',
      extraRoutes: sandboxRoutes({ slack, providers, driver, origin: url, delivery, machineSecrets }),
    },
  });

  // Start as a team would be on a normal day: every token integration holds its working credential.
  for (const row of DEMO_ROWS) {
    const integration = await app.store.integrations.findActive(row.id);
    const machine = machineSecrets[row.id];
    if (integration && machine) {
      await seedMachineIdentity(app, integration, machine.stored);
      continue;
    }
    if (!integration || !row.stored) continue;
    const input = { identifier: row.identifier?.value, tokens: row.stored };
    const validation = await validateCredential(
      createValidationContext(targetOf(integration), app.http, () => app.clock.now()),
      input,
    );
    if (validation.outcome.kind !== 'valid')
      throw new Error(`demo credential for ${row.id} did not validate: ${validation.outcome.reason}`);
    await app.services.credentialCommit.commit({
      silent: true,
      integration,
      actor: 'sandbox',
      payload: { kind: 'tokens', identifier: input.identifier ?? null, tokens: input.tokens },
      validation: validation as typeof validation & { outcome: typeof validation.outcome & { kind: 'valid' } },
      how: 'modal',
    });
  }

  // A credential stored before its vendor removed its kind: the emulated provider now answers 401 to it,
  // and the first check shows the alert with its way off.
  for (const row of DEMO_ROWS.filter((r) => r.retired))
    for (const token of row.stored ?? []) providers.updateToken(token, { status: 'revoked' });
  await app.start({ monitor: true });
  for (const row of DEMO_ROWS.filter((r) => r.retired))
    await app.services.checkNow(row.id, DEMO_USER.id, { ignoreRecentRejection: true });
  return {
    url,
    app,
    slack,
    providers,
    delivery,
    machineSecrets,
    async close() {
      await app.stop();
      await slack.close();
      await providers.close();
      await delivery.close();
    },
  };
}
