import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, type Composition } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { seedMachineIdentity } from '../../src/sandbox/seed-machine.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { captureLogger } from '../helpers/capture-log.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { testHttpClient } from '../helpers/providers.js';
import { BOT_TOKEN, freePort, manualClock, SIGNING_SECRET } from '../helpers/start-app.js';

const CONSUMER = 'rct_ReplicaMachineConsumer0000000000000001';
const MINT = /\/app\/installations\/9\/access_tokens$/;

/**
 * A machine identity on two replicas sharing one PostgreSQL (SPEC §12): fifty pulls at the same moment,
 * spread over both, make one token request — the credential lock holds across replicas and each re-reads
 * what the other minted — and every reader gets the same token.
 */
describe('a machine identity on two replicas', () => {
  let postgres: TestPostgres;
  let slack: SlackEmulator;
  let providers: ProviderEmulator;
  let dir: ReturnType<typeof tempDir>;
  const clock = manualClock(new Date('2026-12-07T09:00:00Z'));
  const replicas: { app: Composition; url: string }[] = [];
  const pull = (url: string) =>
    fetch(`${url}/v1/credentials/gh-app`, { headers: { authorization: `Bearer ${CONSUMER}` } });

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const databaseUrl = await postgres.newDatabase();
    slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    providers = await startProviderEmulator({ now: () => clock.now().getTime() });
    const pem = providers.githubApps.add({
      id: 99,
      clientId: 'Iv23liReplicas',
      name: 'Replicated App',
      slug: 'replicated',
      installations: { '9': { account: 'acme', repositories: ['acme/api'] } },
    });
    dir = tempDir();
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:
  - { id: gh-app, name: GitHub App, provider: github, auth: app_installation, url: "${providers.baseUrl('github')}", app_id: 99, installation_id: 9 }
consumers:
  - { name: ingest, token_sha256: ${sha256Hex(CONSUMER)}, integrations: ["*"] }
`,
    );
    const key = newKeyText();
    const logs = captureLogger('warn');
    const apps = await Promise.all(
      [await freePort(), await freePort()].map(async (port) => {
        const parsed = parseConfig(
          {
            SLACK_BOT_TOKEN: BOT_TOKEN,
            SLACK_SIGNING_SECRET: SIGNING_SECRET,
            SLACK_API_URL: slack.apiUrl,
            PORT: String(port),
            DATABASE_URL: databaseUrl,
            REAUTH_SECRET_KEY: key,
            INTEGRATIONS_FILE: catalogue,
          },
          { slack: true, secretKey: true },
        );
        if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
        const app = await compose(parsed.config, logs.logger, {
          clock,
          http: testHttpClient(),
          random: () => 0,
          storeTime: 'clock',
        });
        await app.start({ monitor: false, delivery: false });
        return { app, url: `http://127.0.0.1:${port}` };
      }),
    );
    replicas.push(...apps);
    // The key, entered once through replica A.
    const first = replicas[0]!.app;
    const integration = (await first.store.integrations.findActive('gh-app'))!;
    await seedMachineIdentity(first, integration, { private_key: pem }, 'U0OWNER');
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.app.stop();
    await slack?.close();
    await providers?.close();
    await postgres?.close();
    dir?.cleanup();
  });

  it('fifty pulls at once over both replicas, with the token due: one token request, one token for all', async () => {
    const mints = () => providers.requests.filter((r) => MINT.test(r.path)).length;
    const held = (await (await pull(replicas[1]!.url)).json()) as {
      version: number;
      credential: { access_token: string };
    };
    clock.advance(56 * 60_000);
    const before = mints();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => pull(replicas[i % 2]!.url)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 50 }, () => 200));
    const documents = (await Promise.all(answers.map((a) => a.json()))) as {
      version: number;
      credential: { access_token: string };
    }[];
    expect(mints() - before).toBe(1);
    expect(new Set(documents.map((d) => d.credential.access_token)).size).toBe(1);
    expect(documents[0]?.credential.access_token).not.toBe(held.credential.access_token);
    expect(new Set(documents.map((d) => d.version))).toEqual(new Set([held.version + 1]));
  });
});
