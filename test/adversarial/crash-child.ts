import { renameSync, writeFileSync } from 'node:fs';
import { WebClient } from '@slack/web-api';
import { parseCatalogue } from '../../src/catalogue/parse.js';
import { syncCatalogue } from '../../src/catalogue/sync.js';
import { createKeyring } from '../../src/crypto/keyring.js';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { openSqliteStore } from '../../src/db/sqlite/store.js';
import { createLogger } from '../../src/logger.js';
import { createAlerts } from '../../src/services/alerts.js';
import { createAuthoriser } from '../../src/services/authorisation.js';
import { createHealthStateMachine } from '../../src/services/health.js';
import { createKeyedLock } from '../../src/keyed-lock.js';
import { createAlertUpkeep } from '../../src/services/monitor/alert-upkeep.js';
import { createCredentialCommit } from '../../src/services/credential-commit.js';
import { rotateKeys } from '../../src/services/rotate-key.js';

/**
 * The crash-consistency worker: performs re-authentications, catalogue syncs, key rotations and alert
 * transitions, as fast as it can, in a random order, until the parent kills it with SIGKILL. It prints
 * one line per finished operation. Everything it writes goes through the real services and store.
 */

const env = process.env as Record<string, string>;
let seed = Number(env.SEED ?? '1');
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const [keyA, keyB] = [Buffer.from(env.KEY_A ?? '', 'base64'), Buffer.from(env.KEY_B ?? '', 'base64')];
const logger = createLogger({ level: 'silent' });
const store = openSqliteStore(env.DATABASE_PATH ?? '');
const clock = { now: () => new Date() };
const slack = new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: env.SLACK_API_URL ?? '', retryConfig: { retries: 0 } });
const authoriser = createAuthoriser({ admins: ['U0CRASH'], slack, clock, logger });
const alerts = createAlerts({ store, slack, authoriser, logger, clock, defaultChannel: env.ALERT_CHANNEL });
const health = createHealthStateMachine({ store, alerts, clock });

/** The catalogue in one of its variants: URLs, names and one auth type move between runs. */
function catalogueVariant(variant: number): string {
  const lines = ['integrations:'];
  for (let i = 0; i < 20; i += 1) {
    const host = i === 3 && variant % 2 === 1 ? 'gitlab-moved.example' : 'gitlab.example';
    lines.push(
      `  - { id: gitlab-${i}, name: "GitLab ${i}${variant % 3 === 2 ? ' (renamed)' : ''}", provider: gitlab, auth: pat, url: "https://${host}", channel: C0CRASH, owners: [U0OWNER] }`,
    );
  }
  const boardsAuth = variant % 4 === 3 ? 'oauth' : 'pat';
  lines.push(
    `  - { id: ado-boards, provider: azure_devops, auth: ${boardsAuth}, organization: acme, service: boards, channel: C0CRASH }`,
  );
  lines.push(
    '  - { id: ado-repos, provider: azure_devops, auth: pat, organization: acme, service: repos, channel: C0CRASH }',
  );
  lines.push(
    '  - { id: ado-pipelines, provider: azure_devops, auth: pat, organization: acme, service: pipelines, channel: C0CRASH }',
  );
  lines.push(
    '  - { id: jira-connect, provider: jira, auth: connect_app, url: "https://acme.atlassian.net", channel: C0CRASH }',
  );
  return `${lines.join('\n')}\n`;
}

async function sync(variant: number): Promise<void> {
  const text = catalogueVariant(variant);
  const temporary = `${env.INTEGRATIONS_FILE}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, env.INTEGRATIONS_FILE ?? '');
  const parsed = parseCatalogue(text);
  if (!parsed.ok) throw new Error('bad catalogue variant');
  await syncCatalogue(store, parsed.entries, clock.now());
}

async function reauthenticate(keyring: ReturnType<typeof createKeyring>): Promise<void> {
  const integrations = (await store.integrations.listActive()).filter((i) => i.authType === 'pat');
  const integration = pick(integrations);
  const token = `glpat-crash-${Math.floor(random() * 1e12).toString(36)}`;
  const outcome = {
    kind: 'valid' as const,
    identity: { id: '1', name: 'Crash Test', username: 'crash' },
    scopes: null,
    expiresAt: null,
    rateLimitRemaining: null,
    reason: 'ok',
  };
  const service = createCredentialCommit({ store, keyring, clock, logger, credentialLock: createKeyedLock() });
  await service.commit({
    integration,
    actor: 'U0CRASH',
    payload: { kind: 'tokens', identifier: null, tokens: [token] },
    validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(token), outcome }] },
    how: 'modal',
  });
}

async function transition(): Promise<void> {
  const integration = pick(await store.integrations.listActive());
  const group = await store.integrations.listByCredentialKey(integration.credentialKey);
  const failing = random() < 0.6;
  await health.apply(group, {
    outcome: failing
      ? { kind: 'invalid_credentials', reason: 'Revoked in the crash test.' }
      : { kind: 'valid', reason: 'ok' },
    source: 'webhook',
  });
}

/** After the last kill: what a restarted server's monitor does once unrecorded post claims have lapsed. */
async function recover(): Promise<void> {
  const later = { now: () => new Date(Date.now() + 60_000) };
  const upkeepAlerts = createAlerts({
    store,
    slack,
    authoriser,
    logger,
    clock: later,
    defaultChannel: env.ALERT_CHANNEL,
  });
  const upkeep = createAlertUpkeep({ store, alerts: upkeepAlerts, clock: later });
  await upkeep.closeOrphanAlerts();
  await upkeep.retryAlertPosts();
  process.stdout.write('recovered\n');
  process.exit(0);
}

async function main(): Promise<void> {
  if (env.RECOVER === '1') return recover();
  await sync(Number(env.VARIANT ?? '0'));
  process.stdout.write('ready\n');
  for (let n = 0; ; n += 1) {
    // Each run seals with one of the two keys, and rotations move everything to it.
    const [current, previous] = random() < 0.5 ? [keyA, keyB] : [keyB, keyA];
    const keyring = createKeyring(current, [previous]);
    const operation = pick(['reauth', 'reauth', 'sync', 'rotate', 'alert', 'alert'] as const);
    if (operation === 'reauth') await reauthenticate(keyring);
    else if (operation === 'sync') await sync(Math.floor(random() * 12));
    else if (operation === 'rotate') await rotateKeys(store, keyring, clock.now());
    else await transition();
    process.stdout.write(`${n} ${operation}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`crash child failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
