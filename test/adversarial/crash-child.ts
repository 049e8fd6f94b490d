import { renameSync, writeFileSync } from 'node:fs';
import { parseCatalogue } from '../../src/catalogue/parse.js';
import { syncCatalogue } from '../../src/catalogue/sync.js';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { rotateKeys } from '../../src/services/rotate-key.js';
import { composeChildCore } from '../helpers/core-child.js';

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

// Each run seals with one of the two keys; its key rotations move everything to it.
const [current, previous] = random() < 0.5 ? [env.KEY_A, env.KEY_B] : [env.KEY_B, env.KEY_A];
const runEnvironment = {
  ...process.env,
  REAUTH_SECRET_KEY: current,
  REAUTH_PREVIOUS_KEYS: previous,
  DEFAULT_ALERT_CHANNEL: env.ALERT_CHANNEL,
  REAUTH_ADMINS: 'U0CRASH',
};

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

/** Writes a catalogue variant over integrations.yml (atomically, as an editor would) and returns its text. */
function writeCatalogue(variant: number): string {
  const text = catalogueVariant(variant);
  const temporary = `${env.INTEGRATIONS_FILE}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, env.INTEGRATIONS_FILE ?? '');
  return text;
}

async function sync(variant: number): Promise<void> {
  const parsed = parseCatalogue(writeCatalogue(variant));
  if (!parsed.ok) throw new Error('bad catalogue variant');
  await syncCatalogue(core.parts.store, parsed.entries, new Date());
}

async function reauthenticate(): Promise<void> {
  const { store, services } = core.parts;
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
  await services.credentialCommit.commit({
    integration,
    actor: 'U0CRASH',
    payload: { kind: 'tokens', identifier: null, tokens: [token] },
    validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(token), outcome }] },
    how: 'modal',
  });
}

async function transition(): Promise<void> {
  const { store, services } = core.parts;
  const integration = pick(await store.integrations.listActive());
  const group = await store.integrations.listByCredentialKey(integration.credentialKey);
  const failing = random() < 0.6;
  await services.health.apply(group, {
    outcome: failing
      ? { kind: 'invalid_credentials', reason: 'Revoked in the crash test.' }
      : { kind: 'valid', reason: 'ok' },
    source: 'webhook',
  });
}

/** After the last kill: what a restarted server's monitor does once unrecorded post claims have lapsed. */
async function recover(): Promise<void> {
  await core.parts.monitor.closeOrphanAlerts();
  await core.parts.monitor.retryAlertPosts();
  process.stdout.write('recovered\n');
  process.exit(0);
}

async function main(): Promise<void> {
  if (env.RECOVER === '1') return recover();
  process.stdout.write('ready\n');
  for (let n = 0; ; n += 1) {
    const operation = pick(['reauth', 'reauth', 'sync', 'rotate', 'alert', 'alert'] as const);
    if (operation === 'reauth') await reauthenticate();
    else if (operation === 'sync') await sync(Math.floor(random() * 12));
    else if (operation === 'rotate') await rotateKeys(core.parts.store, core.parts.keyring, new Date());
    else await transition();
    process.stdout.write(`${n} ${operation}\n`);
  }
}

// The run's catalogue variant is written before the core starts: composing syncs it, as a server start does.
writeCatalogue(Number(env.VARIANT ?? '0'));
// After the last kill, time has moved on: the claims of posts nobody recorded have lapsed.
const core = await composeChildCore(
  runEnvironment,
  env.RECOVER === '1' ? { clock: { now: () => new Date(Date.now() + 60_000) } } : {},
);

main().catch((error: unknown) => {
  process.stderr.write(`crash child failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
