import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compose, type Composition } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import type { Clock } from '../../src/domain/clock.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { captureLogger } from '../helpers/capture-log.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { testHttpClient } from '../helpers/providers.js';
import { ALERTS, BOT_TOKEN, freePort, manualClock, OWNER, SIGNING_SECRET } from '../helpers/start-app.js';

const HOOK_SECRET = `whsec_${Buffer.from('skewed-replicas-signing-secret32').toString('base64')}`;
const TOKENS = Array.from({ length: 6 }, (_, i) => `glpat-SkewedReplica${i}Token0123`);

/** A slow webhook receiver (each answer takes 100 ms) that records the order of versions and how many it served at once. */
async function startSlowReceiver(): Promise<{
  url: string;
  versions: number[];
  mostAtOnce: () => number;
  close(): Promise<void>;
}> {
  const versions: number[] = [];
  let inFlight = 0;
  let most = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const payload = JSON.parse(body) as { type: string; data: { version?: number } };
      // A slow receiver, as a sink under load is: long enough for a second sender to overlap.
      setTimeout(() => {
        if (payload.type === 'credential.updated' && payload.data.version !== undefined)
          versions.push(payload.data.version);
        inFlight -= 1;
        res.writeHead(200).end();
      }, 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    versions,
    mostAtOnce: () => most,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Two replicas whose clocks disagree by three minutes (one is ahead) share one PostgreSQL: every
 * version reaches the sink in order, sent by one replica at a time — leases follow the database's
 * clock, never a replica's.
 */
describe('two replicas whose clocks disagree by minutes', () => {
  let postgres: TestPostgres;
  let slack: SlackEmulator;
  let providers: ProviderEmulator;
  let receiver: Awaited<ReturnType<typeof startSlowReceiver>>;
  let dir: ReturnType<typeof tempDir>;
  const base = manualClock();
  const clocks: Clock[] = [base, { now: () => new Date(base.now().getTime() + 3 * 60_000) }];
  const replicas: { app: Composition; driver: SlackDriver }[] = [];

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const databaseUrl = await postgres.newDatabase();
    slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    slack.addUser(OWNER);
    slack.addChannel(ALERTS, { name: 'alerts' });
    providers = await startProviderEmulator();
    for (const token of TOKENS)
      providers.setToken(token, {
        provider: 'gitlab',
        scopes: ['read_api'],
        identity: { id: '1', name: 'Jane', username: 'jane' },
      });
    receiver = await startSlowReceiver();
    dir = tempDir();
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:
  - id: gitlab
    name: GitLab
    provider: gitlab
    auth: pat
    url: "${providers.baseUrl('gitlab')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    deliver:
      - webhook: ${receiver.url}
        secret_env: HOOK_SECRET
`,
    );
    const key = newKeyText();
    const ports = [await freePort(), await freePort()];
    for (const [i, port] of ports.entries()) {
      const parsed = parseConfig(
        {
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          PORT: String(port),
          PUBLIC_URL: `http://127.0.0.1:${ports[0]}`,
          DATABASE_URL: databaseUrl,
          REAUTH_SECRET_KEY: key,
          INTEGRATIONS_FILE: catalogue,
          DEFAULT_ALERT_CHANNEL: ALERTS,
          HOOK_SECRET,
          LOG_LEVEL: 'warn',
        },
        { slack: true, secretKey: true },
      );
      if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
      const app = await compose(parsed.config, captureLogger('warn').logger, {
        clock: clocks[i]!,
        http: testHttpClient(),
        random: () => 0,
      });
      await app.start({ monitor: false, delivery: false, watchCatalogue: false });
      replicas.push({
        app,
        driver: createSlackDriver({ appUrl: `http://127.0.0.1:${port}`, signingSecret: SIGNING_SECRET, slack }),
      });
    }
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.app.stop();
    await receiver?.close();
    await slack?.close();
    await providers?.close();
    await postgres?.close();
    dir?.cleanup();
  });

  async function reauth(via: number, token: string): Promise<void> {
    const replica = replicas[via]!;
    const before = slack.callsOf('views.open').length;
    expect((await replica.driver.command('gitlab', { userId: OWNER })).status).toBe(200);
    await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(before + 1));
    expect(
      (await replica.driver.submit(slack.callsOf('views.open')[before]?.ref ?? '', { token }, { userId: OWNER }))
        .status,
    ).toBe(200);
  }

  it('deliver each version in order, by one sender at a time', async () => {
    for (const [i, token] of TOKENS.entries()) {
      await reauth(i % 2, token);
      // Both replicas' workers run at once, the one ahead starting while the other's attempt is in flight.
      await Promise.all([
        replicas[0]!.app.delivery.worker.runDue(),
        replicas[1]!.app.delivery.worker.runDue(),
        replicas[1]!.app.delivery.worker.runDue(),
      ]);
    }
    await Promise.all(replicas.map((r) => r.app.delivery.worker.runDue()));
    expect(receiver.mostAtOnce()).toBe(1);
    expect(receiver.versions).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
